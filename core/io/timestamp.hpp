#pragma once
#include <string>

namespace hitnet {

// The current time as ISO-8601 UTC with seconds, e.g. "2024-05-01T13:45:07Z".
std::string utc_timestamp();

}  // namespace hitnet
