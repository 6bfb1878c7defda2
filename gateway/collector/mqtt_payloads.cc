#include "gateway/collector/mqtt_payloads.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/strings.h"
#include "dlms/units.h"

namespace vmuc::gateway {

std::string MeterTopic(std::string_view prefix, std::string_view gateway, std::string_view meter,
                       std::string_view kind) {
  return absl::StrCat(AsAbsl(prefix), "/", AsAbsl(gateway), "/", AsAbsl(meter), "/", AsAbsl(kind));
}

std::string GatewayStatusTopic(std::string_view prefix, std::string_view gateway) {
  return absl::StrCat(AsAbsl(prefix), "/", AsAbsl(gateway), "/status");
}

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string ReadingsJson(std::string_view gateway, std::string_view meter_id, TimePoint captured_at,
                         const std::vector<RegisterRecord>& registers) {
  std::string out =
      absl::StrCat("{\"gateway\":", JsonQuote(gateway), ",\"meter\":", JsonQuote(meter_id),
                   ",\"captured_at\":", JsonQuote(FormatRfc3339(captured_at)), ",\"registers\":[");
  for (size_t i = 0; i < registers.size(); ++i) {
    const RegisterRecord& reg = registers[i];
    absl::StrAppend(&out, i == 0 ? "" : ",", "{\"obis\":", JsonQuote(reg.obis),
                    ",\"value\":", reg.value, ",\"scaler\":", reg.scaler,
                    ",\"unit\":", JsonQuote(dlms::UnitSymbol(static_cast<dlms::Unit>(reg.unit))),
                    "}");
  }
  out += "]}";
  return out;
}

}  // namespace vmuc::gateway
