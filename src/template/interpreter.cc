#include "template/interpreter.h"

namespace faq::tmpl {

namespace {
// An error that already carries its template location; passes outer handlers unchanged.
class LocatedError : public Error {
 public:
  using Error::Error;
};
}  // namespace

const Value* Scope::Lookup(const std::string& name) const {
  for (const Scope* s = this; s; s = s->parent_.get()) {
    auto it = s->vars_.find(name);
    if (it != s->vars_.end()) return &it->second;
  }
  return nullptr;
}

Interpreter::~Interpreter() {
  for (const Value& ns : namespaces_) ns.AsNamespace().attrs.items.clear();
}

void Interpreter::Step() {
  if (++steps_ > limits_.max_steps) Throw("template exceeded the evaluation step limit ({})", limits_.max_steps);
}

void Interpreter::CheckSize(size_t bytes) const {
  if (bytes > limits_.max_output_bytes) Throw("output exceeds the size limit of {} bytes", limits_.max_output_bytes);
}

std::string Interpreter::Render(const std::vector<NodePtr>& body, const ScopePtr& globals) {
  ScopedStringLimit limit(limits_.max_output_bytes);
  std::string out;
  Exec(body, globals, out);
  return out;
}

Interpreter::Flow Interpreter::Exec(const std::vector<NodePtr>& body, const ScopePtr& scope, std::string& out) {
  for (const auto& node : body) {
    Flow flow;
    try {
      flow = ExecNode(*node, scope, out);
    } catch (const LocatedError&) {
      throw;
    } catch (const RenderError& e) {
      throw LocatedError(map_.Where(node->pos) + e.what());
    }
    CheckSize(out.size());
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

void Interpreter::Assign(const std::vector<std::string>& targets, const Value& value, Scope& scope) {
  if (targets.size() == 1) {
    scope.Set(targets[0], value);
    return;
  }
  if (value.IsUndefined()) value.FailUndefined();
  std::vector<Value> items = Iterate(value);
  if (items.size() > targets.size()) Throw("too many values to unpack (expected {})", targets.size());
  if (items.size() < targets.size()) Throw("not enough values to unpack (expected {}, got {})", targets.size(), items.size());
  for (size_t i = 0; i < targets.size(); ++i) scope.Set(targets[i], items[i]);
}

Interpreter::Flow Interpreter::ExecNode(const Node& node, const ScopePtr& scope, std::string& out) {
  Step();
  switch (node.kind) {
    case NodeKind::kOutput:
      out += node.name;
      return Flow::kNormal;
    case NodeKind::kPrint: {
      Value v = Eval(*node.args[0], scope);
      CheckSize(out.size() + (v.IsString() ? v.AsString().size() : 0));
      out += v.Str();
      return Flow::kNormal;
    }
    case NodeKind::kIf:
      return Eval(*node.args[0], scope).Truthy() ? Exec(node.body, scope, out) : Exec(node.else_body, scope, out);
    case NodeKind::kFor:
      return ExecFor(node, scope, out);
    case NodeKind::kSet:
      Assign(node.targets, Eval(*node.args[0], scope), *scope);
      return Flow::kNormal;
    case NodeKind::kSetAttr: {
      const Value* target = scope->Lookup(node.name);
      if (!target || !target->IsNamespace()) Throw("cannot assign attribute on non-namespace object");
      if (!node.attr.empty() && node.attr[0] == '_') {
        Throw("Chat templates cannot store underscore-prefixed attributes on a namespace, but got '{}'.", node.attr);
      }
      Value v = Eval(*node.args[0], scope);
      target->AsNamespace().attrs.Set(Value(node.attr), std::move(v));
      return Flow::kNormal;
    }
    case NodeKind::kSetBlock: {
      std::string text;
      Exec(node.body, std::make_shared<Scope>(scope), text);
      Value v(std::move(text));
      if (node.args[0]) v = EvalFilter(*node.args[0], scope, &v);
      scope->Set(node.targets[0], std::move(v));
      return Flow::kNormal;
    }
    case NodeKind::kMacro:
      scope->Set(node.name, MakeMacro(node, scope, 0));
      return Flow::kNormal;
    case NodeKind::kCallBlock:
      ExecCallBlock(node, scope, out);
      return Flow::kNormal;
    case NodeKind::kFilterBlock: {
      std::string text;
      Exec(node.body, std::make_shared<Scope>(scope), text);
      Value v(std::move(text));
      out += EvalFilter(*node.args[0], scope, &v).Str();
      return Flow::kNormal;
    }
    case NodeKind::kWith: {
      auto inner = std::make_shared<Scope>(scope);
      for (size_t i = 0; i < node.targets.size(); ++i) inner->Set(node.targets[i], Eval(*node.args[i], scope));
      return Exec(node.body, inner, out);
    }
    case NodeKind::kBreak:
      return Flow::kBreak;
    case NodeKind::kContinue:
      return Flow::kContinue;
    case NodeKind::kScope:
      return Exec(node.body, scope, out);
    default:
      Throw("internal error: expression node used as a statement");
  }
}

Interpreter::Flow Interpreter::ExecFor(const Node& node, const ScopePtr& scope, std::string& out) {
  Value iterable = Eval(*node.args[0], scope);
  std::vector<Value> items = Iterate(iterable);
  if (node.args[1]) {  // {% for x in xs if cond %}: filtered before `loop` is computed
    std::vector<Value> kept;
    for (auto& item : items) {
      auto probe = std::make_shared<Scope>(scope);
      Assign(node.targets, item, *probe);
      if (Eval(*node.args[1], probe).Truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) return Exec(node.else_body, scope, out);
  const int64_t n = static_cast<int64_t>(items.size());
  for (int64_t i = 0; i < n; ++i) {
    Step();  // an empty body must still count, or nested loops could run unbounded
    auto inner = std::make_shared<Scope>(scope);
    Assign(node.targets, items[i], *inner);
    Dict loop;
    loop.items.reserve(14);
    loop.items.emplace_back(Value("index"), Value(i + 1));
    loop.items.emplace_back(Value("index0"), Value(i));
    loop.items.emplace_back(Value("revindex"), Value(n - i));
    loop.items.emplace_back(Value("revindex0"), Value(n - i - 1));
    loop.items.emplace_back(Value("first"), Value(i == 0));
    loop.items.emplace_back(Value("last"), Value(i == n - 1));
    loop.items.emplace_back(Value("length"), Value(n));
    loop.items.emplace_back(Value("depth"), Value(1));
    loop.items.emplace_back(Value("depth0"), Value(0));
    loop.items.emplace_back(Value("previtem"), i > 0 ? items[i - 1] : Value::MakeUndefined("there is no previous item"));
    loop.items.emplace_back(Value("nextitem"), i + 1 < n ? items[i + 1] : Value::MakeUndefined("there is no next item"));
    loop.items.emplace_back(Value("cycle"), Value::MakeCallable("cycle", [i](Interpreter&, CallArgs& args) {
      if (args.positional.empty()) Throw("no items for cycling given");
      return args.positional[static_cast<size_t>(i) % args.positional.size()];
    }));
    inner->Set("loop", Value::MakeDict(std::move(loop)));
    Flow flow = Exec(node.body, inner, out);
    if (flow == Flow::kBreak) break;
  }
  return Flow::kNormal;
}

Value Interpreter::MakeMacro(const Node& node, const ScopePtr& scope, size_t first_default) {
  const Node* def = &node;
  pinned_scopes_.push_back(scope);
  const size_t closure = pinned_scopes_.size() - 1;
  std::string name = node.kind == NodeKind::kMacro ? node.name : "caller";
  return Value::MakeCallable(name, [this, def, closure, first_default, name](Interpreter&, CallArgs& args) {
    if (call_depth_ >= limits_.max_call_depth) Throw("macro calls nested deeper than {}", limits_.max_call_depth);
    auto frame = std::make_shared<Scope>(pinned_scopes_[closure]);
    const auto& params = def->targets;
    std::vector<Value> varargs;
    for (size_t i = 0; i < args.positional.size(); ++i) {
      if (i < params.size()) {
        frame->Set(params[i], args.positional[i]);
      } else {
        varargs.push_back(args.positional[i]);
      }
    }
    Dict extra;
    for (auto& [k, v] : args.keyword) {
      bool is_param = false;
      for (size_t i = 0; i < params.size(); ++i) {
        if (params[i] == k) {
          if (i < args.positional.size()) Throw("macro '{}' got multiple values for argument '{}'", name, k);
          is_param = true;
        }
      }
      if (is_param || k == "caller") {
        frame->Set(k, v);
      } else {
        extra.items.emplace_back(Value(k), v);
      }
    }
    for (size_t i = args.positional.size(); i < params.size(); ++i) {
      bool given = false;
      for (auto& [k, v] : args.keyword) given = given || k == params[i];
      if (given) continue;
      const NodePtr& dflt = def->args[first_default + i];
      frame->Set(params[i], dflt ? Eval(*dflt, frame)
                                 : Value::MakeUndefined(fmt::format("parameter '{}' was not provided", params[i])));
    }
    frame->Set("varargs", Value::MakeList(std::move(varargs), true));
    frame->Set("kwargs", Value::MakeDict(std::move(extra)));
    ++call_depth_;
    std::string text;
    try {
      Exec(def->body, frame, text);
    } catch (...) {
      --call_depth_;
      throw;
    }
    --call_depth_;
    return Value(std::move(text));
  });
}

void Interpreter::ExecCallBlock(const Node& node, const ScopePtr& scope, std::string& out) {
  const Node& call = *node.args[0];
  Value callee = Eval(*call.args[0], scope);
  CallArgs args;
  EvalArgs(call, 1, scope, args);
  args.keyword.emplace_back("caller", MakeMacro(node, scope, 1));
  out += Call(callee, args).Str();
}

void Interpreter::EvalArgs(const Node& node, size_t first, const ScopePtr& scope, CallArgs& args) {
  for (size_t i = first; i < node.args.size(); ++i) args.positional.push_back(Eval(*node.args[i], scope));
  for (const auto& [k, v] : node.kwargs) args.keyword.emplace_back(k, Eval(*v, scope));
}

Value Interpreter::Call(const Value& callee, CallArgs& args) {
  if (callee.IsUndefined()) callee.FailUndefined();
  if (!callee.IsCallable()) Throw("'{}' object is not callable", callee.TypeName());
  return callee.AsCallable().fn(*this, args);
}

Value Interpreter::EvalFilter(const Node& node, const ScopePtr& scope, const Value* block_subject) {
  Value subject = node.args[0] ? (node.args[0]->kind == NodeKind::kFilter ? EvalFilter(*node.args[0], scope, block_subject)
                                                                          : Eval(*node.args[0], scope))
                               : *block_subject;
  CallArgs args;
  EvalArgs(node, 1, scope, args);
  try {
    return ApplyFilter(*this, node.name, subject, args);
  } catch (const LocatedError&) {
    throw;
  } catch (const RenderError& e) {
    throw LocatedError(map_.Where(node.pos) + e.what());
  }
}

Value Interpreter::Eval(const Node& node, const ScopePtr& scope) {
  Step();
  try {
    return EvalInner(node, scope);
  } catch (const LocatedError&) {
    throw;
  } catch (const RenderError& e) {
    throw LocatedError(map_.Where(node.pos) + e.what());
  }
}

}  // namespace faq::tmpl
