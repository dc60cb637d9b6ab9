#pragma once
// What a forward pass is for. Training draws dropout masks and samples stochastic quantizers;
// evaluation switches dropout off and runs each stochastic quantizer in its configured `eval`
// mode, unless the pass forces one mode on all of them (the trainer's test does, to report a
// ternary model's deterministic and sampled perplexities side by side).
#include <optional>

namespace hitnet {

// How stochastic quantizers behave when the model is evaluated (deterministic ones ignore it).
enum class EvalMode {
  kSample,         // draw as in training (report mean and spread over several passes)
  kExpectation,    // use E[Q(x)] (for BTQ this is x itself: a diagnostic, not a ternary model)
  kDeterministic,  // round to the nearest level (the hardware meaning)
};

inline const char* eval_mode_name(EvalMode m) {
  switch (m) {
    case EvalMode::kSample:
      return "sample";
    case EvalMode::kExpectation:
      return "expectation";
    case EvalMode::kDeterministic:
      break;
  }
  return "deterministic";
}

struct Pass {
  bool training = false;
  std::optional<EvalMode> eval_override;  // evaluation only: every quantizer in this mode

  static Pass train() { return {true, std::nullopt}; }
  static Pass evaluate(std::optional<EvalMode> mode = std::nullopt) { return {false, mode}; }
  // The mode a stochastic quantizer runs in during this pass, given its configured modes for
  // training (normally kSample) and for evaluation.
  EvalMode mode_for(EvalMode train, EvalMode eval) const {
    return training ? train : eval_override.value_or(eval);
  }
};

}  // namespace hitnet
