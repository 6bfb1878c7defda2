#include "gateway/mqtt/mqtt_payloads.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
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

namespace {

TimePoint TimeOf(const google::protobuf::Timestamp& timestamp) {
  return TimePoint(std::chrono::seconds(timestamp.seconds()) +
                   std::chrono::microseconds(timestamp.nanos() / 1000));
}

// {"gateway":..,"meter":..,"seq":.. : the head every payload starts with.
std::string Head(std::string_view gateway, uint64_t sequence, const v1::Event& event) {
  return absl::StrCat("{\"gateway\":", JsonQuote(gateway),
                      ",\"meter\":", JsonQuote(event.meter_id()), ",\"seq\":", sequence);
}

}  // namespace

std::string ReadingsJson(std::string_view gateway, uint64_t sequence, const v1::Event& event) {
  std::string out = absl::StrCat(Head(gateway, sequence, event),
                                 ",\"captured_at\":", JsonQuote(FormatRfc3339(TimeOf(event.at()))),
                                 ",\"registers\":[");
  const auto& registers = event.readings().registers();
  for (int i = 0; i < registers.size(); ++i) {
    const v1::RegisterValue& reg = registers[i];
    absl::StrAppend(&out, i == 0 ? "" : ",", "{\"obis\":", JsonQuote(reg.obis()),
                    ",\"value\":", reg.value(), ",\"scaler\":", reg.scaler(),
                    ",\"unit\":", JsonQuote(dlms::UnitSymbol(static_cast<dlms::Unit>(reg.unit()))),
                    "}");
  }
  out += "]}";
  return out;
}

std::string LoadProfileJson(std::string_view gateway, uint64_t sequence, const v1::Event& event) {
  const v1::LoadProfile& profile = event.load_profile();
  std::string out = absl::StrCat(Head(gateway, sequence, event),
                                 ",\"period_s\":", profile.period_s(), ",\"channels\":[");
  for (int i = 0; i < profile.channels_size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", JsonQuote(profile.channels(i)));
  }
  out += "],\"entries\":[";
  for (int i = 0; i < profile.rows_size(); ++i) {
    const v1::LoadProfileRow& row = profile.rows(i);
    absl::StrAppend(&out, i == 0 ? "" : ",",
                    "{\"captured_at\":", JsonQuote(FormatRfc3339(TimeOf(row.captured_at()))),
                    ",\"status\":", row.status(), ",\"values\":[", absl::StrJoin(row.values(), ","),
                    "],\"read_back\":", row.read_back() ? "true" : "false", "}");
  }
  out += "]}";
  return out;
}

std::string MeterStatusJson(std::string_view gateway, uint64_t sequence, const v1::Event& event) {
  return absl::StrCat(Head(gateway, sequence, event), ",\"state\":\"online\",\"node_address\":",
                      event.meter_discovered().node_address(),
                      ",\"since\":", JsonQuote(FormatRfc3339(TimeOf(event.at()))), "}");
}

}  // namespace vmuc::gateway
