// cbpp, binomial logit, non-centred herd intercepts (GpuHbm: incidence | trials(size) ~ period + (1 | herd), period a factor).
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1> K;                    // columns of X: intercept, period2, period3, period4
  matrix[N, K] X;
  int<lower=1, upper=J> herd[N];
  int<lower=0> incidence[N];
  int<lower=1> size[N];
}
parameters {
  vector[K] b;
  real<lower=0> sd_herd;
  vector[J] z;
}
transformed parameters {
  vector[J] r = sd_herd * z;
}
model {
  b ~ normal(0, 5);
  sd_herd ~ normal(0, 2);
  z ~ std_normal();
  incidence ~ binomial_logit(size, X * b + r[herd]);
}
