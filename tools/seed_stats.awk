# Mean ± standard deviation over seeds of one column of repro_tables.sh's rows
# (variant, seed, run, eval set, fp, base, faq, RER; tab-separated), per (variant, run, eval set):
#   awk -v col=7 -v fmt='%.3f ± %.3f' -f tools/seed_stats.awk rows.tsv
# prints "variant<TAB>run|eval set<TAB>value". A cell that is not a number (`–` for missing,
# `stale`) is left out: it never counts as 0. A value taken over fewer seeds than the rows
# says so ("(2 of 3 seeds)"); with no number at all it is `–`. One number has no spread: the
# part of fmt from " ±" on is dropped rather than printing a made-up "± 0.000".
BEGIN { FS = "\t" }
{
  key = $1 "\t" $3 "|" $4
  rows[key]++
  x = $col
  gsub(/[%+]/, "", x)
  if (x !~ /^-?[0-9]+(\.[0-9]*)?$/) next
  n[key]++
  sum[key] += x
  squares[key] += x * x
}
END {
  for (key in rows) {
    if (!(key in n)) {
      printf "%s\t–\n", key
      continue
    }
    mean = sum[key] / n[key]
    var = n[key] > 1 ? (squares[key] - n[key] * mean * mean) / (n[key] - 1) : 0
    if (var < 0) var = 0
    spread_at = index(fmt, " ±")
    value = (n[key] == 1 && spread_at > 0) ? sprintf(substr(fmt, 1, spread_at - 1), mean) : sprintf(fmt, mean, sqrt(var))
    if (n[key] < rows[key]) value = value sprintf(" (%d of %d seeds)", n[key], rows[key])
    printf "%s\t%s\n", key, value
  }
}
