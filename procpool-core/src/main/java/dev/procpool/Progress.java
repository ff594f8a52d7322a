package dev.procpool;

/**
 * Whether {@code map}, {@code starmap}, {@code imap} and {@code imapUnordered} show a live progress
 * bar on standard error: done/total (or a count when the total is unknown), rate, elapsed time, ETA
 * and failures so far. The bar needs the {@code dev.procpool:procpool-progress} module on the class
 * path; without it, a warning says so once and nothing is shown.
 */
public enum Progress {
  /** Never show a bar. The default. */
  OFF,
  /** Show a bar when standard error is a terminal, nothing otherwise (CI logs stay clean). */
  AUTO,
  /** Always show a bar, even when standard error is a file or a pipe. */
  ALWAYS
}
