#include "template/tojson.h"

#include <algorithm>
#include <cmath>

#include "template/unicode.h"

namespace faq::tmpl {

namespace {

void DumpString(std::string& out, std::string_view s, bool ensure_ascii) {
  out.push_back('"');
  for (char32_t c : DecodeUtf8(s)) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || (ensure_ascii && c >= 0x7F) || (c >= 0xDC80 && c <= 0xDCFF)) {
          if (c >= 0x10000) {
            char32_t v = c - 0x10000;
            out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
          } else {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
          }
        } else {
          AppendUtf8(out, c);
        }
    }
  }
  out.push_back('"');
}

std::string FloatJson(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return FloatRepr(d);
}

// json.dumps coerces scalar keys to strings; other key types are a TypeError.
std::string KeyString(const Value& k) {
  switch (k.kind()) {
    case Value::Kind::kString: return k.AsString();
    case Value::Kind::kBool: return k.AsBool() ? "true" : "false";
    case Value::Kind::kNone: return "null";
    case Value::Kind::kInt: return std::to_string(k.AsInt());
    case Value::Kind::kFloat: return FloatJson(k.AsFloat());
    default: Throw("keys must be str, int, float, bool or None, not {}", k.TypeName());
  }
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& o) : o_(o) {}

  void Dump(const Value& v, int level) {
    if (++depth_ > 500) Throw("maximum recursion depth exceeded while encoding a JSON object");
    switch (v.kind()) {
      case Value::Kind::kNone: out += "null"; break;
      case Value::Kind::kBool: out += v.AsBool() ? "true" : "false"; break;
      case Value::Kind::kInt: out += std::to_string(v.AsInt()); break;
      case Value::Kind::kFloat: out += FloatJson(v.AsFloat()); break;
      case Value::Kind::kString:
        DumpString(out, v.AsString(), o_.ensure_ascii);
        CheckStringSize(out.size());
        break;
      case Value::Kind::kList: {
        const auto& items = v.AsList();
        if (items.empty()) {
          out += "[]";
          break;
        }
        out += "[";
        for (size_t i = 0; i < items.size(); ++i) {
          out += i ? o_.item_sep : "";
          Newline(level + 1);
          Dump(items[i], level + 1);
        }
        Newline(level);
        out += "]";
        break;
      }
      case Value::Kind::kDict: {
        std::vector<std::pair<std::string, const Value*>> entries;
        for (const auto& [k, e] : v.AsDict().items) entries.emplace_back(KeyString(k), &e);
        if (o_.sort_keys) {
          std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        }
        if (entries.empty()) {
          out += "{}";
          break;
        }
        out += "{";
        for (size_t i = 0; i < entries.size(); ++i) {
          out += i ? o_.item_sep : "";
          Newline(level + 1);
          DumpString(out, entries[i].first, o_.ensure_ascii);
          out += o_.key_sep;
          Dump(*entries[i].second, level + 1);
        }
        Newline(level);
        out += "}";
        break;
      }
      default:
        Throw("Object of type {} is not JSON serializable", v.TypeName());
    }
    --depth_;
  }

  std::string out;

 private:
  void Newline(int level) {
    if (!o_.indent) return;
    out += "\n";
    for (int i = 0; i < level; ++i) out += *o_.indent;
    CheckStringSize(out.size());
  }

  const JsonDumpOptions& o_;
  int depth_ = 0;
};

}  // namespace

std::string PyJsonDumps(const Value& v, const JsonDumpOptions& options) {
  Dumper d(options);
  d.Dump(v, 0);
  return std::move(d.out);
}

}  // namespace faq::tmpl
