#include "reports/store.h"
