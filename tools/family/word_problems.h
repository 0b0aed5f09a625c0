// Arithmetic word problems with step-by-step solutions: the chat data the tiny family is
// trained on and the demo's seed prompts. Two styles: the family's own phrasing and an
// outsider's (other names, other wording of steps and answers) for the paper's Table 6.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace faq::family {

enum class Style { kFamily, kOutsider };

struct WordProblem {
  std::string query;                 // the question
  std::vector<std::string> steps;    // one sentence per step of the solution
  std::string answer;                // the final answer as a sentence
  int64_t value = 0;                 // the number the answer states
  std::string Reasoning() const;     // the steps joined by newlines
};

WordProblem MakeWordProblem(std::mt19937_64& rng, Style style);

// The answer sentence with `wrong_value` in place of the right number: the negative
// examples the judge is trained on.
std::string WrongAnswer(const WordProblem& problem, int64_t wrong_value);

}  // namespace faq::family
