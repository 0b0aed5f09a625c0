# The rows of a pipeline's results.md (| run | eval set | fp | base | FAQ | RER |) as
# repro_tables.sh's tab-separated rows, prefixed by the variant and the seed:
#   awk -v variant=faq -v seed=1 -f tools/results_rows.awk run/results.md
BEGIN { FS = "|" }
NR > 2 {
  gsub(/ /, "")
  print variant "\t" seed "\t" $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6 "\t" $7
}
