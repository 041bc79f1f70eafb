#include "id_outcome.h"

namespace gong::cli {}  // D implements it (issue 29)
