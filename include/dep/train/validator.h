// What the trainer asks of a validation: a name, which direction is better, and a number for the
// model as it is now. The trainer always records the validation loss (LossValidator) and selects
// the best checkpoint by the validator of validation.select_by; validators that need generation
// or metrics (METEOR: dep/validation/validation_meteor.h) live outside dep_train and are handed
// to it (TrainHooks::selection).
#pragma once

#include <string>

namespace dep {

class DepModel;

class Validator {
 public:
  virtual ~Validator() = default;
  // The metric's name as metrics.jsonl and validation.select_by spell it ("loss", "meteor").
  virtual std::string name() const = 0;
  virtual bool higher_is_better() const = 0;
  // The metric of `model`'s current adapter. Leaves the adapter's mode and gradients as they were.
  virtual double evaluate(DepModel& model) = 0;
};

}  // namespace dep
