#include <utility>

#include "tern/topic.hpp"

namespace tern {

result<topic_name> topic_name::make(std::string name) {
  if (const std::error_code ec = validate_topic_name(name)) return ec;
  return topic_name(std::move(name));
}

result<topic_filter> topic_filter::make(std::string filter) {
  if (const std::error_code ec = validate_topic_filter(filter)) return ec;
  return topic_filter(std::move(filter));
}

}  // namespace tern
