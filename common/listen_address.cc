#include "common/listen_address.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace vmuc {

absl::StatusOr<HostPort> ParseHostPort(std::string_view address_text) {
  const absl::string_view address = AsAbsl(address_text);
  const size_t colon = address.rfind(':');
  uint32_t port = 0;
  if (colon == absl::string_view::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", address, "' is not HOST:PORT (e.g. 127.0.0.1:50051)"));
  }
  absl::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

absl::Status CheckListenAddress(std::string_view address_text, bool allow_non_loopback) {
  const absl::string_view address = AsAbsl(address_text);
  if (absl::StartsWith(address, "unix:")) return absl::OkStatus();
  auto parsed = ParseHostPort(address_text);
  if (!parsed.ok()) return parsed.status();
  const std::string& host = parsed->host;
  if (allow_non_loopback || absl::StartsWith(host, "127.") || host == "localhost" ||
      host == "::1") {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "'", address, "' is not a loopback address; a plain-text listener stays on loopback"));
}

}  // namespace vmuc
