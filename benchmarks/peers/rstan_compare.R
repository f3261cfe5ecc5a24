#!/usr/bin/env Rscript
# rstan on the peer models of GpuHbm's metric comparison (benchmarks/GpuHbm.Benchmarks/PeerModels.cs): the same data,
# priors and non-centred parameterisation (stan/*.stan), 4 chains x (1000 warm-up + 1000 draws), chains in parallel on
# 2 cores, Stan's default adaptation (diag_e, adapt_delta 0.8). For each fit: wall seconds of sampling() (compilation
# excluded), minimum bulk ESS (posterior::ess_bulk) over the reported quantities (fixed effects, sds, correlations,
# sigma and every group effect r), gradient evaluations (n_leapfrog__ summed over warm-up and sampling), divergences,
# max R-hat. Writes one Markdown table row per fit.
#
# Usage: Rscript benchmarks/peers/rstan_compare.R --hospitals FILE [--models a,b] [--seeds 1,2,3] [--output FILE]
# (FILE from `gpuhbm simulate hospitals --patients 20000 --hospitals 100 --seed 1 -o FILE`; run-rstan-compare.sh does all).
suppressPackageStartupMessages({
  library(rstan)
  library(posterior)
})
rstan_options(auto_write = TRUE)

args <- commandArgs(trailingOnly = TRUE)
opt <- function(name, default) {
  i <- match(name, args)
  if (is.na(i)) default else args[i + 1]
}
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))))
root <- normalizePath(file.path(here, "..", ".."))
models <- strsplit(opt("--models", "eight_schools,sleepstudy,radon,cbpp,hospitals20k"), ",")[[1]]
seeds <- as.integer(strsplit(opt("--seeds", "1,2,3"), ",")[[1]])
hospitals_file <- opt("--hospitals", NA)
output <- opt("--output", NA)
example <- function(f) read.csv(file.path(root, "examples", "data", f), stringsAsFactors = FALSE)

cases <- list(
  eight_schools = function() {
    d <- example("eight_schools.csv")
    list(stan = "eight_schools.stan", data = list(J = nrow(d), y = d$y, sigma = d$sigma),
         vars = c("b_Intercept", "sd_school", "r"))
  },
  sleepstudy = function() {
    d <- example("sleepstudy.csv")
    subject <- factor(d$Subject, levels = sort(unique(d$Subject)))
    list(stan = "sleepstudy.stan",
         data = list(N = nrow(d), J = nlevels(subject), subject = as.integer(subject), days = d$Days, reaction = d$Reaction),
         vars = c("b_Intercept", "b_Days", "sigma", "sd_Subject", "cor_Subject", "r"))
  },
  radon = function() {
    d <- example("radon_mn.csv")
    county <- factor(d$county, levels = sort(unique(d$county)))
    list(stan = "radon.stan",
         data = list(N = nrow(d), J = nlevels(county), county = as.integer(county), floor_measure = d$floor, log_radon = d$log_radon),
         vars = c("b_Intercept", "b_floor", "sigma", "sd_county_Intercept", "sd_county_floor", "r_Intercept", "r_floor"))
  },
  cbpp = function() {
    d <- example("cbpp.csv")
    herd <- factor(d$herd, levels = sort(unique(as.integer(d$herd))))
    X <- model.matrix(~ factor(period), data = d)
    list(stan = "cbpp.stan",
         data = list(N = nrow(d), J = nlevels(herd), K = ncol(X), X = X, herd = as.integer(herd),
                     incidence = d$incidence, size = d$size),
         vars = c("b", "sd_herd", "r"))
  },
  hospitals20k = function() {
    if (is.na(hospitals_file)) stop("--hospitals FILE is required for hospitals20k")
    d <- read.csv(hospitals_file, stringsAsFactors = FALSE)
    hospital <- factor(d$hospital, levels = sort(unique(d$hospital)))
    X <- as.matrix(d[, c("age_std", "sex", "severity", "teaching", "treat")])
    list(stan = "hospitals.stan",
         data = list(N = nrow(d), J = nlevels(hospital), K = ncol(X), X = X, treat = d$treat,
                     hospital = as.integer(hospital), y = d$y, prior_scale = signif(2.5 / apply(X, 2, sd), 4)),
         vars = c("b_Intercept", "b", "sd_hospital", "cor_hospital", "r"))
  }
)

load_average <- function() strsplit(readLines("/proc/loadavg"), " ")[[1]][1]
rows <- c(
  sprintf("# rstan %s (Stan %s), default adaptation, %s", packageVersion("rstan"), stan_version(), format(Sys.time(), "%Y-%m-%d %H:%M %Z")),
  "",
  sprintf("command: `Rscript benchmarks/peers/rstan_compare.R %s`", paste(args, collapse = " ")),
  "",
  "| model | seed | load | wall s (sampling) | min bulk ESS | ESS / s | gradients | ESS / 1000 gradients | divergences | max R-hat |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
cat(rows, sep = "\n")
for (name in models) {
  case <- cases[[name]]()
  model <- stan_model(file.path(here, "stan", case$stan))
  for (seed in seeds) {
    load <- load_average()
    t0 <- Sys.time()
    fit <- sampling(model, data = case$data, chains = 4, iter = 2000, warmup = 1000, seed = seed, cores = 2, refresh = 0)
    wall <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
    draws <- subset_draws(as_draws_array(fit), variable = case$vars)
    s <- summarise_draws(draws, ess_bulk, rhat)
    sp <- get_sampler_params(fit, inc_warmup = TRUE)
    gradients <- sum(sapply(sp, function(p) sum(p[, "n_leapfrog__"])))
    divergences <- sum(sapply(get_sampler_params(fit, inc_warmup = FALSE), function(p) sum(p[, "divergent__"])))
    ess <- min(s$ess_bulk)
    row <- sprintf("| %s | %d | %s | %.2f | %.0f | %.0f | %d | %.2f | %d | %.3f |", name, seed, load, wall, ess, ess / wall,
                   as.integer(gradients), 1000 * ess / gradients, as.integer(divergences), max(s$rhat))
    cat(row, "\n", sep = "")
    rows <- c(rows, row)
    if (!is.na(output)) writeLines(rows, output)
  }
}
