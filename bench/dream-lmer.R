# Times the loop `genelmm fit --contrast --anova --ebayes` replaces: per gene what variancePartition's dream does
# (lmerTest::lmer by REML, the coefficients' Satterthwaite tests from summary(), the contrast by contest1D, and the
# residual df rdf.merMod: n - 2 tr(H) + tr(H^2) of lme4's hat matrix; variancePartition is not in Debian, so its
# steps are written out here, see test/fixtures/make-contrasts.R), plus lmerTest's anova() for the F tests; then
# limma's squeezeVar once over the genes (eBayes' only step across genes).
# Usage: Rscript bench/dream-lmer.R EXPR.tsv SAMPLES.tsv "FORMULA-RHS" OUT.json NAME=CONTRAST
suppressPackageStartupMessages({ library(lme4); library(lmerTest); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
expr <- read.delim(args[1], check.names = FALSE, row.names = 1)
samples <- read.delim(args[2], check.names = FALSE)
d <- samples[match(colnames(expr), samples$sample), ]
for (v in c("donor", "disease", "time")) d[[v]] <- factor(d[[v]])
f <- as.formula(paste("y", args[3]))
contrast <- sub("^[^=]*=", "", args[5])
names_x <- colnames(model.matrix(nobars(f), cbind(y = 0, d)))
env <- list2env(setNames(lapply(seq_along(names_x), function(j) diag(length(names_x))[, j]), names_x))
L <- eval(parse(text = contrast), env)

fitted <- 0
sigma2 <- rdf <- c()
t <- system.time({
  for (g in seq_len(nrow(expr))) {
    d$y <- as.numeric(expr[g, ])
    if (all(is.na(d$y)) || var(d$y, na.rm = TRUE) == 0) next
    fit <- suppressMessages(suppressWarnings(lmerTest::lmer(f, data = d[!is.na(d$y), ], REML = TRUE)))
    invisible(summary(fit)$coefficients)
    invisible(contest1D(fit, L))
    invisible(anova(fit))
    H <- as.matrix(hatvalues(fit, fullHatMatrix = TRUE))
    rdf <- c(rdf, nrow(H) - 2 * sum(diag(H)) + sum(H * H))
    sigma2 <- c(sigma2, sigma(fit)^2)
    fitted <- fitted + 1
  }
  if (requireNamespace("limma", quietly = TRUE)) invisible(limma::squeezeVar(sigma2, rdf))
})[["elapsed"]]
write_json(list(genes = fitted, seconds = t, ms_per_gene = 1000 * t / fitted,
                lme4 = as.character(packageVersion("lme4")), lmerTest = as.character(packageVersion("lmerTest")),
                R = R.version.string), args[4], auto_unbox = TRUE, digits = NA)
