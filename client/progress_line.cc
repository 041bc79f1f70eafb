#include "progress_line.h"

namespace gong::cli {}  // D implements it (issue 29)
