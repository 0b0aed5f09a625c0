// Expression evaluation.
#include "template/interpreter.h"

namespace faq::tmpl {

namespace {
bool Compare(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") return Equals(a, b);
  if (op == "!=") return !Equals(a, b);
  if (op == "in") return Contains(b, a);
  if (op == "notin") return !Contains(b, a);
  if (op == "<") return Less(a, b);
  if (op == ">") return Less(b, a);
  if (op == "<=") return !Less(b, a);
  return !Less(a, b);  // ">="
}
}  // namespace

Value Interpreter::EvalInner(const Node& node, const ScopePtr& scope) {
  switch (node.kind) {
    case NodeKind::kLiteral:
      return node.literal;
    case NodeKind::kName: {
      const Value* v = scope->Lookup(node.name);
      return v ? *v : Value::MakeUndefined(fmt::format("'{}' is undefined", node.name));
    }
    case NodeKind::kList:
    case NodeKind::kTuple: {
      std::vector<Value> items;
      items.reserve(node.args.size());
      for (const auto& a : node.args) items.push_back(Eval(*a, scope));
      return Value::MakeList(std::move(items), node.kind == NodeKind::kTuple);
    }
    case NodeKind::kDict: {
      Dict d;
      for (size_t i = 0; i + 1 < node.args.size(); i += 2) {
        Value k = Eval(*node.args[i], scope);
        if (k.IsList() && !k.IsTuple()) Throw("unhashable type: 'list'");
        if (k.IsDict() || k.IsNamespace()) Throw("unhashable type: '{}'", k.TypeName());
        d.Set(std::move(k), Eval(*node.args[i + 1], scope));
      }
      return Value::MakeDict(std::move(d));
    }
    case NodeKind::kGetAttr:
      return GetAttr(Eval(*node.args[0], scope), node.name);
    case NodeKind::kGetItem:
      return GetItem(Eval(*node.args[0], scope), Eval(*node.args[1], scope));
    case NodeKind::kSlice: {
      Value obj = Eval(*node.args[0], scope);
      auto part = [&](size_t i) { return node.args[i] ? Eval(*node.args[i], scope) : Value::None(); };
      return SliceValue(obj, part(1), part(2), part(3));
    }
    case NodeKind::kCall: {
      Value callee = Eval(*node.args[0], scope);
      CallArgs args;
      EvalArgs(node, 1, scope, args);
      return Call(callee, args);
    }
    case NodeKind::kFilter:
      return EvalFilter(node, scope, nullptr);
    case NodeKind::kTest: {
      Value subject = Eval(*node.args[0], scope);
      CallArgs args;
      EvalArgs(node, 1, scope, args);
      bool r = ApplyTest(*this, node.name, subject, args);
      return Value(node.negated ? !r : r);
    }
    case NodeKind::kNot:
      return Value(!Eval(*node.args[0], scope).Truthy());
    case NodeKind::kNeg:
    case NodeKind::kPos:
      return Negate(Eval(*node.args[0], scope), node.kind == NodeKind::kNeg);
    case NodeKind::kBinary: {
      Value a = Eval(*node.args[0], scope);
      Value b = Eval(*node.args[1], scope);
      return BinaryOp(node.name, a, b, limits_.max_output_bytes);
    }
    case NodeKind::kAnd: {
      Value a = Eval(*node.args[0], scope);
      return a.Truthy() ? Eval(*node.args[1], scope) : a;
    }
    case NodeKind::kOr: {
      Value a = Eval(*node.args[0], scope);
      return a.Truthy() ? a : Eval(*node.args[1], scope);
    }
    case NodeKind::kCompare: {
      Value left = Eval(*node.args[0], scope);
      for (size_t i = 0; i < node.targets.size(); ++i) {
        Value right = Eval(*node.args[i + 1], scope);
        if (!Compare(node.targets[i], left, right)) return Value(false);
        left = std::move(right);
      }
      return Value(true);
    }
    case NodeKind::kCondExpr:
      if (Eval(*node.args[0], scope).Truthy()) return Eval(*node.args[1], scope);
      if (node.args[2]) return Eval(*node.args[2], scope);
      return Value::MakeUndefined("the inline if-expression evaluated to false and no else section was defined.");
    default:
      Throw("internal error: statement node used as an expression");
  }
}

}  // namespace faq::tmpl
