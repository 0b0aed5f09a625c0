// Reading tokenizer files' JSON with errors that name the file and the field path.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "faq/util/error.h"

namespace faq::tok {

using Json = nlohmann::json;

// A JSON value plus where it lives ("file: field 'model.merges[3]'"), so every check can
// report its place without threading strings through each parser by hand.
class Field {
 public:
  Field(const Json& value, std::string file, std::string path = "")
      : value_(&value), file_(std::move(file)), path_(std::move(path)) {}

  const Json& value() const { return *value_; }
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }

  bool Has(const std::string& key) const {
    return value_->is_object() && value_->contains(key) && !(*value_)[key].is_null();
  }
  // Child that must exist.
  Field operator[](const std::string& key) const;
  Field operator[](size_t index) const;
  // Child that may be absent or null.
  std::optional<Field> Get(const std::string& key) const;

  std::string String() const;
  bool Bool() const;
  int64_t Int() const;
  double Number() const;
  const Json& Array() const;
  const Json& Object() const;
  std::string StringOr(const std::string& key, const std::string& fallback) const;
  bool BoolOr(const std::string& key, bool fallback) const;

  [[noreturn]] void Throw(const std::string& message) const;

 private:
  const Json* value_;
  std::string file_;
  std::string path_;
};

}  // namespace faq::tok
