#include "results_file.h"

namespace gong::cli {}  // D implements it (issue 29)
