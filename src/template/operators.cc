// Python arithmetic on template values (64-bit ints: overflow is an error, not a bigint).
#include <cmath>

#include "template/interpreter.h"

namespace faq::tmpl {

namespace {
bool AsInt(const Value& v, int64_t& out) {
  if (v.IsInt()) out = v.AsInt();
  else if (v.IsBool()) out = v.AsBool();
  else return false;
  return true;
}

[[noreturn]] void Unsupported(const std::string& op, const Value& a, const Value& b) {
  if (op == "+" && a.IsString()) Throw("can only concatenate str (not \"{}\") to str", b.TypeName());
  Throw("unsupported operand type(s) for {}: '{}' and '{}'", op, a.TypeName(), b.TypeName());
}

[[noreturn]] void Overflow() { Throw("integer overflow (faq's template integers are 64-bit)"); }

Value Repeat(const Value& seq, int64_t times, size_t max_bytes) {
  if (times <= 0) return seq.IsString() ? Value(std::string()) : Value::MakeList({}, seq.IsTuple());
  if (seq.IsString()) {
    const std::string& s = seq.AsString();
    if (!s.empty() && static_cast<uint64_t>(times) > max_bytes / s.size()) Throw("string repetition exceeds the size limit");
    std::string out;
    out.reserve(s.size() * times);
    for (int64_t i = 0; i < times; ++i) out += s;
    return Value(std::move(out));
  }
  const auto& items = seq.AsList();
  if (!items.empty() && static_cast<uint64_t>(times) > (max_bytes / 64) / items.size()) Throw("list repetition exceeds the size limit");
  std::vector<Value> out;
  for (int64_t i = 0; i < times; ++i) out.insert(out.end(), items.begin(), items.end());
  return Value::MakeList(std::move(out), seq.IsTuple());
}

double FloorDiv(double a, double b) {  // CPython float_floor_div
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div != 0) {
    double floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
    return floordiv;
  }
  return std::copysign(0.0, a / b);
}

double FloatMod(double a, double b) {  // CPython float_rem
  double mod = std::fmod(a, b);
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) mod += b;
  } else {
    mod = std::copysign(0.0, b);
  }
  return mod;
}

Value IntPow(int64_t base, int64_t exp) {
  if (exp < 0) {
    if (base == 0) Throw("0.0 cannot be raised to a negative power");
    return Value(std::pow(static_cast<double>(base), static_cast<double>(exp)));
  }
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) {
      if (__builtin_mul_overflow(result, base, &result)) Overflow();
    }
    exp >>= 1;
    if (exp > 0 && __builtin_mul_overflow(base, base, &base)) Overflow();
  }
  return Value(result);
}

Value PercentFormat(const std::string& fmt_str, const Value& arg) {
  std::vector<Value> args = arg.IsTuple() ? arg.AsList() : std::vector<Value>{arg};
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt_str.size(); ++i) {
    if (fmt_str[i] != '%') {
      out.push_back(fmt_str[i]);
      continue;
    }
    if (++i >= fmt_str.size()) Throw("incomplete format");
    char c = fmt_str[i];
    if (c == '%') {
      out.push_back('%');
      continue;
    }
    if (next >= args.size()) Throw("not enough arguments for format string");
    const Value& v = args[next++];
    int64_t iv = 0;
    CheckStringSize(out.size());
    if (c == 's') out += v.Str();
    else if (c == 'r') out += v.Repr();
    else if ((c == 'd' || c == 'i') && AsInt(v, iv)) out += std::to_string(iv);
    else if ((c == 'd' || c == 'i') && v.IsFloat()) out += std::to_string(static_cast<int64_t>(v.AsFloat()));
    else Throw("unsupported format character '{}' (faq supports %s %r %d %i)", c);
  }
  if (next < args.size()) Throw("not all arguments converted during string formatting");
  return Value(std::move(out));
}
}  // namespace

Value Negate(const Value& v, bool negative) {
  if (v.IsUndefined()) v.FailUndefined();
  int64_t i = 0;
  if (AsInt(v, i)) {
    if (!negative) return Value(i);
    if (i == INT64_MIN) Overflow();
    return Value(-i);
  }
  if (v.IsFloat()) return Value(negative ? -v.AsFloat() : v.AsFloat());
  Throw("bad operand type for unary {}: '{}'", negative ? "-" : "+", v.TypeName());
}

Value BinaryOp(const std::string& op, const Value& a, const Value& b, size_t max_bytes) {
  if (op == "~") {
    std::string sa = a.Str(), sb = b.Str();
    if (sa.size() + sb.size() > max_bytes) Throw("string exceeds the size limit");
    return Value(sa + sb);
  }
  if (a.IsUndefined()) a.FailUndefined();
  if (b.IsUndefined()) b.FailUndefined();
  if (op == "%" && a.IsString()) return PercentFormat(a.AsString(), b);
  int64_t x = 0, y = 0;
  bool ints = AsInt(a, x) && AsInt(b, y);
  if (ints) {
    int64_t r = 0;
    if (op == "+") { if (__builtin_add_overflow(x, y, &r)) Overflow(); return Value(r); }
    if (op == "-") { if (__builtin_sub_overflow(x, y, &r)) Overflow(); return Value(r); }
    if (op == "*") { if (__builtin_mul_overflow(x, y, &r)) Overflow(); return Value(r); }
    if (op == "/") {
      if (y == 0) Throw("division by zero");
      return Value(static_cast<double>(x) / static_cast<double>(y));
    }
    if (op == "//" || op == "%") {
      if (y == 0) Throw("integer division or modulo by zero");
      if (x == INT64_MIN && y == -1) Overflow();
      int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        --q;
        m += y;
      }
      return Value(op == "//" ? q : m);
    }
    if (op == "**") return IntPow(x, y);
  }
  if (a.IsNumber() && b.IsNumber()) {
    double p = a.ToDouble(), q = b.ToDouble();
    if (op == "+") return Value(p + q);
    if (op == "-") return Value(p - q);
    if (op == "*") return Value(p * q);
    if ((op == "/" || op == "//" || op == "%") && q == 0) Throw("float division by zero");
    if (op == "/") return Value(p / q);
    if (op == "//") return Value(FloorDiv(p, q));
    if (op == "%") return Value(FloatMod(p, q));
    if (op == "**") {
      if (p == 0 && q < 0) Throw("0.0 cannot be raised to a negative power");
      if (p < 0 && q != std::floor(q)) Throw("complex results are not supported");
      double r = std::pow(p, q);
      if (std::isinf(r) && !std::isinf(p)) Throw("(34, 'Numerical result out of range')");
      return Value(r);
    }
  }
  if (op == "+") {
    if (a.IsString() && b.IsString()) {
      if (a.AsString().size() + b.AsString().size() > max_bytes) Throw("string exceeds the size limit");
      return Value(a.AsString() + b.AsString());
    }
    if (a.IsList() && b.IsList() && a.IsTuple() == b.IsTuple()) {
      if (a.AsList().size() + b.AsList().size() > max_bytes / 64) Throw("list exceeds the size limit");
      std::vector<Value> items = a.AsList();
      items.insert(items.end(), b.AsList().begin(), b.AsList().end());
      return Value::MakeList(std::move(items), a.IsTuple());
    }
  }
  if (op == "*") {
    if ((a.IsString() || a.IsList()) && AsInt(b, y)) return Repeat(a, y, max_bytes);
    if ((b.IsString() || b.IsList()) && AsInt(a, x)) return Repeat(b, x, max_bytes);
  }
  Unsupported(op, a, b);
}

}  // namespace faq::tmpl
