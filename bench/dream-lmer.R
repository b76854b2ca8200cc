# Times the loop `genelmm fit --voom --contrast --anova --ebayes` replaces, per gene as variancePartition does it
# (variancePartition is not in Debian; its steps are written out here, see test/fixtures/make-voom.R and
# make-contrasts.R): voomWithDreamWeights' unweighted lmerTest::lmer by REML of each gene's log-CPM (sigma and
# predict), the lowess trend and the genes' weights; then dream's weighted lmer of each gene, its coefficients'
# Satterthwaite tests from summary(), the contrast by contest1D, lmerTest's anova() for the F tests, and the residual
# df rdf.merMod (n - 2 tr(H) + tr(H^2) of lme4's hat matrix); then limma's squeezeVar once over the genes.
# Usage: Rscript bench/dream-lmer.R COUNTS.tsv SAMPLES.tsv "FORMULA-RHS" OUT.json NAME=CONTRAST WHOLE-COUNTS.tsv DDF
# (COUNTS: the genes timed; WHOLE-COUNTS: the matrix whose column sums are the library sizes; DDF: lmerTest's ddf,
# Satterthwaite or Kenward-Roger).
suppressPackageStartupMessages({ library(lme4); library(lmerTest); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
counts <- as.matrix(read.delim(args[1], check.names = FALSE, row.names = 1))
lib <- colSums(as.matrix(read.delim(args[6], check.names = FALSE, row.names = 1)), na.rm = TRUE)
samples <- read.delim(args[2], check.names = FALSE)
d <- samples[match(colnames(counts), samples$sample), ]
for (v in c("donor", "disease", "time")) d[[v]] <- factor(d[[v]])
f <- as.formula(paste("y", args[3]))
contrast <- sub("^[^=]*=", "", args[5])
names_x <- colnames(model.matrix(nobars(f), cbind(y = 0, d)))
env <- list2env(setNames(lapply(seq_along(names_x), function(j) diag(length(names_x))[, j]), names_x))
L <- eval(parse(text = contrast), env)
ddf <- args[7]
quiet <- function(expr) suppressMessages(suppressWarnings(expr))

fitted <- 0
t <- system.time({
  y <- t(log2(t(counts + 0.5) / (lib + 1) * 1e6))
  first <- lapply(seq_len(nrow(y)), function(g) {
    obs <- !is.na(y[g, ])
    d$y <- y[g, ]
    fit <- quiet(lmerTest::lmer(f, data = d[obs, ], REML = TRUE))
    list(sigma = sigma(fit), fitted = predict(fit), obs = obs)
  })
  sx <- rowMeans(y, na.rm = TRUE) + mean(log2(lib + 1)) - log2(1e6)
  trend <- approxfun(lowess(sx, sqrt(vapply(first, function(x) x$sigma, 0)), f = 0.5), rule = 2, ties = mean)
  sigma2 <- rdf <- c()
  for (g in seq_len(nrow(y))) {
    obs <- first[[g]]$obs
    w <- 1 / trend(log2(1e-6 * 2^first[[g]]$fitted * (lib[obs] + 1)))^4
    d$y <- y[g, ]
    dg <- d[obs, ]
    dg$w <- w / mean(w)
    fit <- quiet(lmerTest::lmer(f, data = dg, REML = TRUE, weights = w))
    invisible(summary(fit, ddf = ddf)$coefficients)
    invisible(contest1D(fit, L, ddf = ddf))
    invisible(anova(fit, ddf = ddf))
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
