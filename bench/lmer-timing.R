# Times lme4::lmer + lmerTest::summary over every gene of a matrix, the loop genelmm replaces.
# Usage: Rscript bench/lmer-timing.R EXPR.tsv SAMPLES.tsv "FORMULA-RHS" OUT.json
suppressPackageStartupMessages({ library(lme4); library(lmerTest); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
expr <- read.delim(args[1], check.names = FALSE, row.names = 1)
samples <- read.delim(args[2], check.names = FALSE)
d <- samples[match(colnames(expr), samples$sample), ]
d$individual <- factor(d$individual)
f <- as.formula(paste("y", args[3]))
fitted <- 0
t <- system.time(for (g in seq_len(nrow(expr))) {
  d$y <- as.numeric(expr[g, ])
  if (all(is.na(d$y)) || var(d$y, na.rm = TRUE) == 0) next
  fit <- suppressMessages(suppressWarnings(lmerTest::lmer(f, data = d, REML = TRUE)))
  invisible(summary(fit)$coefficients)
  fitted <- fitted + 1
})[["elapsed"]]
write_json(list(genes = fitted, seconds = t, ms_per_gene = 1000 * t / fitted,
                lme4 = as.character(packageVersion("lme4")), lmerTest = as.character(packageVersion("lmerTest")),
                R = R.version.string), args[4], auto_unbox = TRUE, digits = NA)
