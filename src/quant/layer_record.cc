// Layer records: QuantizedLinear tensors under "<linear>.<part>", replaced tensors under
// "replaced:<name>", and the rest as JSON in the safetensors metadata.
#include "layer_record.h"

#include <ATen/ATen.h>

#include <cmath>
#include <cstring>

#include "faq/format/tensor_io.h"
#include "faq/io/safetensors.h"
#include "faq/util/error.h"

namespace faq {
namespace {

constexpr const char* kFormat = "faq-layer-record-1";
constexpr const char* kReplaced = "replaced:";

nlohmann::json ReportToJson(const LinearReport& r) {
  return {{"layer", r.layer}, {"name", r.name}, {"in_features", r.in_features}, {"out_features", r.out_features},
          {"bits", r.bits}, {"group_size", r.group_size}, {"skipped", r.skipped}, {"tokens", r.tokens},
          {"rtn_loss", r.rtn_loss}, {"damp", r.solve.damp_used}, {"retries", r.solve.retries},
          {"dead_columns", r.solve.dead_columns}, {"loss", r.solve.loss}, {"seconds", r.solve.seconds}};
}

// JSON has no NaN or infinity: nlohmann writes them as null.
double Number(const nlohmann::json& j) { return j.is_null() ? std::nan("") : j.get<double>(); }

LinearReport ReportFromJson(const nlohmann::json& j) {
  LinearReport r;
  r.layer = j.at("layer");
  r.name = j.at("name");
  r.in_features = j.at("in_features");
  r.out_features = j.at("out_features");
  r.bits = j.at("bits");
  r.group_size = j.at("group_size");
  r.skipped = j.at("skipped");
  r.tokens = j.at("tokens");
  r.rtn_loss = Number(j.at("rtn_loss"));
  r.solve.damp_used = Number(j.at("damp"));
  r.solve.retries = j.at("retries");
  r.solve.dead_columns = j.at("dead_columns");
  r.solve.loss = Number(j.at("loss"));
  r.solve.seconds = Number(j.at("seconds"));
  return r;
}

nlohmann::json SchemeToJson(const QuantizedLinear& q) {
  nlohmann::json j = {{"bits", q.scheme.bits},          {"group_size", q.scheme.group_size},
                      {"sym", q.scheme.sym},            {"act_order", q.scheme.act_order},
                      {"static_groups", q.scheme.static_groups}, {"stat_bits", q.stat_bits},
                      {"stat_group_size", q.stat_group_size}, {"extra", nlohmann::json::array()}};
  for (const auto& [name, t] : q.extra) j["extra"].push_back(name);
  if (q.outliers.defined()) j["outliers_shape"] = q.outliers.sizes().vec();
  return j;
}

// Owns the contiguous CPU copies the writer reads from.
class TensorList {
 public:
  void Add(std::string name, const at::Tensor& t) {
    keep_.push_back(t.to(at::kCPU).contiguous());
    list_.push_back(ToWrite(std::move(name), keep_.back()));
  }
  const std::vector<TensorToWrite>& list() const { return list_; }

 private:
  std::vector<at::Tensor> keep_;
  std::vector<TensorToWrite> list_;
};

void AddLinear(TensorList& out, const std::string& name, const QuantizedLinear& q) {
  out.Add(name + ".qweight", q.qweight);
  out.Add(name + ".scales", q.scales);
  out.Add(name + ".zeros", q.zeros);
  out.Add(name + ".g_idx", q.g_idx);
  if (q.bias.defined()) out.Add(name + ".bias", q.bias);
  if (q.outliers.defined()) {
    const at::Tensor coo = q.outliers.coalesce();
    out.Add(name + ".outliers.indices", coo._indices());
    out.Add(name + ".outliers.values", coo._values());
  }
  for (const auto& [part, t] : q.extra) out.Add(name + ".extra." + part, t);
}

QuantizedLinear ReadLinear(const SafetensorsFile& file, const std::string& name, const nlohmann::json& j) {
  auto load = [&](const std::string& part) { return ViewTensor(file, name + "." + part).clone(); };
  QuantizedLinear q;
  q.scheme = {.bits = j.at("bits"), .group_size = j.at("group_size"), .sym = j.at("sym"),
              .act_order = j.at("act_order"), .static_groups = j.at("static_groups")};
  q.stat_bits = j.at("stat_bits");
  q.stat_group_size = j.at("stat_group_size");
  q.qweight = load("qweight");
  q.scales = load("scales");
  q.zeros = load("zeros");
  q.g_idx = load("g_idx");
  if (file.header().Find(name + ".bias") != nullptr) q.bias = load("bias");
  if (j.contains("outliers_shape")) {
    const std::vector<int64_t> shape = j.at("outliers_shape");
    q.outliers = at::sparse_coo_tensor(load("outliers.indices"), load("outliers.values"), shape)._coalesced_(true);
  }
  for (const std::string part : j.at("extra")) q.extra.emplace(part, load("extra." + part));
  return q;
}

}  // namespace

void WriteLayerRecord(const std::filesystem::path& path, const ModelQuantizerResult& layer) {
  TensorList tensors;
  nlohmann::json linears = nlohmann::json::object();
  for (const auto& [name, q] : layer.linears) {
    AddLinear(tensors, name, q);
    linears[name] = SchemeToJson(q);
  }
  for (const auto& [name, t] : layer.replaced) tensors.Add(kReplaced + name, t);
  nlohmann::json reports = nlohmann::json::array();
  for (const auto& r : layer.reports) reports.push_back(ReportToJson(r));
  WriteSafetensors(path, tensors.list(),
                   {{"format", kFormat}, {"linears", linears.dump()}, {"reports", reports.dump()}});
}

void ReadLayerRecord(const std::filesystem::path& path, ModelQuantizerResult& into) {
  const SafetensorsFile file(path);
  const auto& meta = file.header().metadata;
  auto field = [&](const char* key) {
    auto it = meta.find(key);
    if (it == meta.end()) Fail("{}: not a faq layer record (no '{}' in its metadata)", path.string(), key);
    return it->second;
  };
  if (field("format") != kFormat) Fail("{}: layer record format '{}', expected {}", path.string(), field("format"), kFormat);
  try {
    const nlohmann::json linears = nlohmann::json::parse(field("linears"));  // outlives the loop over its items
    for (const auto& [name, j] : linears.items()) {
      into.linears.insert_or_assign(name, ReadLinear(file, name, j));
    }
    for (const auto& e : file.header().tensors) {
      if (e.name.rfind(kReplaced, 0) == 0) {
        into.replaced.insert_or_assign(e.name.substr(std::strlen(kReplaced)), ViewTensor(file, e.name).clone());
      }
    }
    for (const auto& j : nlohmann::json::parse(field("reports"))) into.reports.push_back(ReportFromJson(j));
  } catch (const nlohmann::json::exception& e) {
    Fail("{}: damaged layer record: {}", path.string(), e.what());
  }
}

}  // namespace faq
