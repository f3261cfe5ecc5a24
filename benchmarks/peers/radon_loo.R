# PSIS-LOO of the radon reference model (varying intercepts and slopes, uncorrelated, non-centred)
# with rstan and R's loo, for comparison with `gpuhbm loo` on the same model and priors:
#   GpuHbm: log_radon ~ 1 + floor + (1 + floor || county), gaussian;
#           Intercept ~ normal(0, 10), b ~ normal(0, 10), sigma ~ normal(0, 1), sd ~ normal(0, 1)
#   (GpuHbm's Intercept is the intercept at floor = 0, as mu_alpha here; sd and sigma are half-normal).
# Run from the repository root:  Rscript benchmarks/peers/radon_loo.R
# Writes benchmarks/results/radon-loo-rstan.csv (estimates) and prints them.
suppressPackageStartupMessages({ library(rstan); library(loo) })
d <- read.csv("examples/data/radon_mn.csv")
code <- "
data { int<lower=1> N; int<lower=1> J; int<lower=1, upper=J> county[N]; vector[N] x_floor; vector[N] y; }
parameters {
  real mu_alpha; real mu_beta; real<lower=0> sigma_y; real<lower=0> sigma_alpha; real<lower=0> sigma_beta;
  vector[J] z_alpha; vector[J] z_beta;
}
transformed parameters {
  vector[J] alpha = mu_alpha + sigma_alpha * z_alpha;
  vector[J] beta = mu_beta + sigma_beta * z_beta;
}
model {
  mu_alpha ~ normal(0, 10); mu_beta ~ normal(0, 10);
  sigma_y ~ normal(0, 1); sigma_alpha ~ normal(0, 1); sigma_beta ~ normal(0, 1);
  z_alpha ~ std_normal(); z_beta ~ std_normal();
  y ~ normal(alpha[county] + beta[county] .* x_floor, sigma_y);
}
generated quantities {
  vector[N] log_lik;
  for (n in 1:N) log_lik[n] = normal_lpdf(y[n] | alpha[county[n]] + beta[county[n]] * x_floor[n], sigma_y);
}"
data <- list(N = nrow(d), J = max(d$county), county = d$county, x_floor = d$floor, y = d$log_radon)
fit <- stan(model_code = code, data = data, chains = 4, iter = 6000, warmup = 1000, seed = 20261130, refresh = 0)
ll <- extract_log_lik(fit, merge_chains = FALSE)
l <- loo(ll, r_eff = relative_eff(exp(ll)))
print(l)
est <- l$estimates
out <- data.frame(quantity = rownames(est), estimate = est[, "Estimate"], se = est[, "SE"])
w <- waic(ll)$estimates
out <- rbind(out, data.frame(quantity = rownames(w), estimate = w[, "Estimate"], se = w[, "SE"]))
out <- rbind(out, data.frame(quantity = "pareto_k_above_0.7", estimate = sum(pareto_k_values(l) > 0.7), se = NA))
write.csv(out, "benchmarks/results/radon-loo-rstan.csv", row.names = FALSE)
cat(sprintf("rstan %s, loo %s, R %s\n", packageVersion("rstan"), packageVersion("loo"), getRversion()))
