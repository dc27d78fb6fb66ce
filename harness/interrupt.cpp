#include "harness/interrupt.h"

#include <csignal>

#include <atomic>

namespace svit {
namespace {

std::atomic<int> g_interrupts{0};

void OnSignal(int) { g_interrupts.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking wait returns and sees the flag
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int InterruptCount() { return g_interrupts.load(std::memory_order_relaxed); }

}  // namespace svit
