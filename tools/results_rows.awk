# The rows of a pipeline's results.md (| run | eval set | fp | base | FAQ | RER | other
# calibration sets... |) as tab-separated rows, prefixed by the variant and the seed:
#   awk -v variant=faq -v seed=1 -f tools/results_rows.awk run/results.md
BEGIN { FS = "|" }
NR > 2 {
  gsub(/ /, "")
  line = variant "\t" seed
  for (i = 2; i < NF; i++) line = line "\t" $i
  print line
}
