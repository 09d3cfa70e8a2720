// Eight schools, non-centered: the same model as ismc's `eight_schools_noncentered`
// (src/models/eight_schools.cpp). Used by bench/peers/rstan_eight_schools.R and
// tests/data/stan_csv/rstan_eight_schools.csv.
data {
  int<lower=0> J;
  vector[J] y;
  vector<lower=0>[J] sigma;
}
parameters {
  real mu;
  real<lower=0> tau;
  vector[J] nu;
}
transformed parameters {
  vector[J] theta = mu + tau * nu;
}
model {
  mu ~ normal(0, 5);
  tau ~ cauchy(0, 5);
  nu ~ std_normal();
  y ~ normal(theta, sigma);
}
