// Eight schools, non-centred (posteriordb eight_schools_noncentered); GpuHbm: y | se(sigma) ~ 1 + (1 | school),
// Intercept ~ normal(0, 5), sd ~ cauchy(0, 5). r[j] = tau * z[j] is GpuHbm's r_school[j,Intercept].
data {
  int<lower=1> J;
  vector[J] y;
  vector<lower=0>[J] sigma;
}
parameters {
  real b_Intercept;
  real<lower=0> sd_school;
  vector[J] z;
}
transformed parameters {
  vector[J] r = sd_school * z;
}
model {
  b_Intercept ~ normal(0, 5);
  sd_school ~ cauchy(0, 5);
  z ~ std_normal();
  y ~ normal(b_Intercept + r, sigma);
}
