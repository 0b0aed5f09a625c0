#include "json_field.h"

#include <fmt/format.h>

namespace faq::tok {

void Field::Throw(const std::string& message) const {
  Fail("{}: field '{}': {}", file_, path_.empty() ? "<root>" : path_, message);
}

Field Field::operator[](const std::string& key) const {
  std::string child = path_.empty() ? key : path_ + "." + key;
  if (!value_->is_object()) Throw(fmt::format("expected an object, got {}", value_->type_name()));
  auto it = value_->find(key);
  if (it == value_->end()) Fail("{}: field '{}': missing", file_, child);
  return Field(*it, file_, child);
}

Field Field::operator[](size_t index) const {
  if (!value_->is_array() || index >= value_->size()) Throw("index out of range");
  return Field((*value_)[index], file_, fmt::format("{}[{}]", path_, index));
}

std::optional<Field> Field::Get(const std::string& key) const {
  if (!Has(key)) return std::nullopt;
  return (*this)[key];
}

std::string Field::String() const {
  if (!value_->is_string()) Throw(fmt::format("expected a string, got {}", value_->type_name()));
  return value_->get<std::string>();
}

bool Field::Bool() const {
  if (!value_->is_boolean()) Throw(fmt::format("expected a boolean, got {}", value_->type_name()));
  return value_->get<bool>();
}

int64_t Field::Int() const {
  if (!value_->is_number_integer()) Throw(fmt::format("expected an integer, got {}", value_->type_name()));
  return value_->get<int64_t>();
}

double Field::Number() const {
  if (!value_->is_number()) Throw(fmt::format("expected a number, got {}", value_->type_name()));
  return value_->get<double>();
}

const Json& Field::Array() const {
  if (!value_->is_array()) Throw(fmt::format("expected an array, got {}", value_->type_name()));
  return *value_;
}

const Json& Field::Object() const {
  if (!value_->is_object()) Throw(fmt::format("expected an object, got {}", value_->type_name()));
  return *value_;
}

std::string Field::StringOr(const std::string& key, const std::string& fallback) const {
  auto f = Get(key);
  return f ? f->String() : fallback;
}

bool Field::BoolOr(const std::string& key, bool fallback) const {
  auto f = Get(key);
  return f ? f->Bool() : fallback;
}

}  // namespace faq::tok
