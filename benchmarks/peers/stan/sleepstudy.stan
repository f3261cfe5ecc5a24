// sleepstudy, correlated intercepts and slopes, non-centred (GpuHbm: Reaction ~ 1 + Days + (1 + Days | Subject)):
// u[j] = diag(sd) L z[j]; the priors of tests/GpuHbm.Tests/fixtures/README.md.
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1, upper=J> subject[N];
  vector[N] days;
  vector[N] reaction;
}
parameters {
  real b_Intercept;
  real b_Days;
  real<lower=0> sigma;
  vector<lower=0>[2] sd_Subject;
  cholesky_factor_corr[2] L;
  matrix[2, J] z;
}
transformed parameters {
  matrix[J, 2] r = (diag_pre_multiply(sd_Subject, L) * z)';
}
model {
  b_Intercept ~ normal(250, 100);
  b_Days ~ normal(0, 50);
  sigma ~ normal(0, 50);
  sd_Subject ~ normal(0, 50);
  L ~ lkj_corr_cholesky(2);
  to_vector(z) ~ std_normal();
  reaction ~ normal(b_Intercept + r[subject, 1] + (b_Days + r[subject, 2]) .* days, sigma);
}
generated quantities {
  real cor_Subject = multiply_lower_tri_self_transpose(L)[1, 2];
}
