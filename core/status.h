// Status: the outcome of an operation that can fail, in the style of LevelDB.
// Every fallible call in svit-eval returns a Status (or fills an out-parameter
// and returns one); exceptions never cross a module boundary. The code maps
// one-to-one onto the CLI's exit codes, so a message written deep in a loader
// reaches the user unchanged together with the right exit code.
#pragma once

#include <string>
#include <utility>

namespace svit {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kGateFailed = 1,    // a regression gate rejected the candidate (exit 1)
    kInvalidInput = 2,  // bad usage, a missing or malformed file (exit 2)
    kRunFailed = 3,     // the run could not complete; what was done is kept (exit 3)
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status InvalidInput(std::string message) {
    return Status(Code::kInvalidInput, std::move(message));
  }
  static Status RunFailed(std::string message) {
    return Status(Code::kRunFailed, std::move(message));
  }
  static Status GateFailed(std::string message) {
    return Status(Code::kGateFailed, std::move(message));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  int exit_code() const { return static_cast<int>(code_); }

  // Returns a copy whose message is prefixed with `context` + ": ".
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace svit

// Propagates a non-OK Status to the caller.
#define SVIT_RETURN_IF_ERROR(expr)            \
  do {                                        \
    ::svit::Status svit_status_ = (expr);     \
    if (!svit_status_.ok()) return svit_status_; \
  } while (0)
