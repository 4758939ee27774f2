// placeholder
#include "script_support.hpp"
namespace telsim::tsp::host {}
