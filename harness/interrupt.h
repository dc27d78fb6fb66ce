// Ctrl-C handling for long runs. The first SIGINT (or SIGTERM) asks the
// runner to stop sending and wind down; a second one asks it to abandon
// requests in flight at once. The handler only counts signals.
#pragma once

namespace svit {

void InstallInterruptHandlers();
// Signals received since installation.
int InterruptCount();

}  // namespace svit
