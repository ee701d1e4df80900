/* Native engine: version and CPU features. */
#include "engine.h"

int vn_version(void) { return 1; }
