// Format checks for SpQR linears and the SpQR quantization_config.
#include "spqr_export.h"

#include "faq/util/error.h"
#include "gptq_export_checks.h"

namespace faq::export_detail {

void CheckFormatHolds(const std::map<std::string, QuantizedLinear>& linears, ExportOptions::Format format) {
  const bool spqr = format == ExportOptions::Format::kSpqr;
  if (format == ExportOptions::Format::kFake) return;
  for (const auto& [name, l] : linears) {
    if (l.HasSpqrParts() && !spqr) {
      Fail("quantized linear '{}' holds SpQR outliers and quantized stats, which the {} layout cannot store; export "
           "it with --format spqr (or fake)", name, format == ExportOptions::Format::kAwq ? "AWQ" : "GPTQ");
    }
    if (!l.HasSpqrParts() && spqr) {
      Fail("quantized linear '{}' was not quantized with SpQR (no bilevel stats); --format spqr stores SpQR linears "
           "only", name);
    }
  }
}

SpqrLayout CommonSpqrLayout(const std::map<std::string, QuantizedLinear>& linears) {
  if (linears.empty()) Fail("export: no quantized linears given");
  auto layout_of = [](const QuantizedLinear& l) {
    return SpqrLayout{l.scheme.bits, l.scheme.group_size, l.stat_bits, l.stat_group_size};
  };
  const auto& [first_name, first] = *linears.begin();
  const SpqrLayout a = layout_of(first);
  for (const auto& [name, l] : linears) {
    const SpqrLayout b = layout_of(l);
    if (a.bits != b.bits || a.group_size != b.group_size || a.stat_bits != b.stat_bits ||
        a.stat_group_size != b.stat_group_size) {
      Fail("SpQR linears '{}' (bits {}, group {}, stat bits {}, stat group {}) and '{}' (bits {}, group {}, stat bits "
           "{}, stat group {}) differ; a SpQR checkpoint has one layout", first_name, a.bits, a.group_size,
           a.stat_bits, a.stat_group_size, name, b.bits, b.group_size, b.stat_bits, b.stat_group_size);
    }
  }
  return a;
}

nlohmann::ordered_json BuildSpqrQuantizationConfig(const SpqrLayout& layout, bool desc_act,
                                                   const nlohmann::json& extra, const std::string& producer) {
  nlohmann::ordered_json q;
  q["quant_method"] = "spqr";
  q["bits"] = layout.bits;
  q["group_size"] = layout.group_size;
  q["stat_bits"] = layout.stat_bits;
  q["stat_group_size"] = layout.stat_group_size;
  q["sym"] = false;
  q["desc_act"] = desc_act;
  q["outlier_storage"] = "csr: int32 row offsets, int16 column ids (int32 when K > 32767), fp16 residuals";
  q["meta"] = {{"quantizer", producer}};
  MergeExtraConfig(q, extra, {"quant_method", "bits", "group_size", "stat_bits", "stat_group_size", "sym", "desc_act",
                              "outlier_storage"});
  return q;
}

}  // namespace faq::export_detail
