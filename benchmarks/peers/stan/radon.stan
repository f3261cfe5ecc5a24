// radon_mn, uncorrelated intercepts and slopes, non-centred (GpuHbm: log_radon ~ 1 + floor + (1 + floor || county)).
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1, upper=J> county[N];
  vector[N] floor_measure;
  vector[N] log_radon;
}
parameters {
  real b_Intercept;
  real b_floor;
  real<lower=0> sigma;
  real<lower=0> sd_county_Intercept;
  real<lower=0> sd_county_floor;
  vector[J] z_Intercept;
  vector[J] z_floor;
}
transformed parameters {
  vector[J] r_Intercept = sd_county_Intercept * z_Intercept;
  vector[J] r_floor = sd_county_floor * z_floor;
}
model {
  b_Intercept ~ normal(0, 10);
  b_floor ~ normal(0, 10);
  sigma ~ normal(0, 1);
  sd_county_Intercept ~ normal(0, 1);
  sd_county_floor ~ normal(0, 1);
  z_Intercept ~ std_normal();
  z_floor ~ std_normal();
  log_radon ~ normal(b_Intercept + r_Intercept[county] + (b_floor + r_floor[county]) .* floor_measure, sigma);
}
