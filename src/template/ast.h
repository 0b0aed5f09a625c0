// The parsed template: one node type for expressions and statements (a closed set of
// kinds, interpreted by a switch) keeps the parser and interpreter short.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "template/value.h"

namespace faq::tmpl {

enum class NodeKind {
  // Expressions.
  kLiteral,    // literal
  kName,       // name
  kList,       // args = items
  kTuple,      // args = items
  kDict,       // args = k0, v0, k1, v1, ...
  kGetAttr,    // args[0] . name
  kGetItem,    // args[0] [ args[1] ]
  kSlice,      // args[0] [ args[1] : args[2] : args[3] ] (null parts allowed)
  kCall,       // args[0] ( args[1..], kwargs )
  kFilter,     // args[0] | name ( args[1..], kwargs ); args[0] null in filter blocks
  kTest,       // args[0] is [not] name ( args[1..], kwargs ); negated = not
  kNot,        // not args[0]
  kNeg,        // -args[0]
  kPos,        // +args[0]
  kBinary,     // args[0] name args[1]: + - * / // % ** ~ in notin
  kAnd,        // args[0] and args[1]
  kOr,         // args[0] or args[1]
  kCompare,    // args[0] ops[0] args[1] ops[1] args[2] ...
  kCondExpr,   // args[1] if args[0] else args[2] (args[2] may be null)
  // Statements.
  kOutput,     // literal text in `name`
  kPrint,      // {{ args[0] }}
  kIf,         // if args[0]: body else else_body
  kFor,        // for targets in args[0] [if args[1]]: body else else_body
  kSet,        // targets = args[0]
  kSetAttr,    // name.attr = args[0]
  kSetBlock,   // {% set targets[0] [| args[0]] %}body{% endset %}
  kMacro,      // macro name(targets = args (defaults, null when none)) body
  kCallBlock,  // call(targets = args[1..]) args[0] body
  kFilterBlock,  // filter args[0] (a kFilter chain over null) body
  kWith,       // with targets = args: body
  kBreak,
  kContinue,
  kScope,      // body in place (the {% generation %} tag)
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Node {
  NodeKind kind;
  size_t pos = 0;  // byte offset in the normalised source (for error locations)
  std::string name;
  std::string attr;
  Value literal;
  bool negated = false;
  std::vector<NodePtr> args;
  std::vector<std::pair<std::string, NodePtr>> kwargs;
  std::vector<std::string> targets;  // assignment targets / parameters / compare operators
  std::vector<NodePtr> body;
  std::vector<NodePtr> else_body;

  Node(NodeKind k, size_t p) : kind(k), pos(p) {}
};

}  // namespace faq::tmpl
