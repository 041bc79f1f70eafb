#include "id_input.h"

namespace gong::cli {}  // D implements it (issue 29)
