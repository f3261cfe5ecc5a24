// The simulated hospital model (gpuhbm simulate hospitals): y ~ 1 + age_std + sex + severity + teaching + treat
// + (1 + treat | hospital), bernoulli logit, with GpuHbm's default priors (Models/DefaultPriors.cs): Intercept ~
// student_t(3, 0, 2.5); b[k] ~ normal(0, prior_scale[k]) with prior_scale = signif(2.5 / sd(x_k), 4); sd ~ half
// student_t(3, 0, 2.5); cor ~ lkj(1); random effects non-centred, u[j] = diag(sd) L z[j].
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1> K;                    // slopes (without the intercept)
  matrix[N, K] X;
  vector[N] treat;
  int<lower=1, upper=J> hospital[N];
  int<lower=0, upper=1> y[N];
  vector<lower=0>[K] prior_scale;
}
parameters {
  real b_Intercept;
  vector[K] b;
  vector<lower=0>[2] sd_hospital;
  cholesky_factor_corr[2] L;
  matrix[2, J] z;
}
transformed parameters {
  matrix[J, 2] r = (diag_pre_multiply(sd_hospital, L) * z)';
}
model {
  b_Intercept ~ student_t(3, 0, 2.5);
  b ~ normal(0, prior_scale);
  sd_hospital ~ student_t(3, 0, 2.5);
  L ~ lkj_corr_cholesky(1);
  to_vector(z) ~ std_normal();
  y ~ bernoulli_logit(b_Intercept + X * b + r[hospital, 1] + r[hospital, 2] .* treat);
}
generated quantities {
  real cor_hospital = multiply_lower_tri_self_transpose(L)[1, 2];
}
