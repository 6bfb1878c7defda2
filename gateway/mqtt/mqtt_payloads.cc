#include "gateway/mqtt/mqtt_payloads.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"
#include "dlms/units.h"
#include "gateway/api/gateway_service.h"

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

// {"gateway":..,"meter":..,"seq":.. : the head every payload starts with.
std::string Head(std::string_view gateway, uint64_t sequence, const v1::Event& event) {
  return absl::StrCat("{\"gateway\":", JsonQuote(gateway),
                      ",\"meter\":", JsonQuote(event.meter_id()), ",\"seq\":", sequence);
}

}  // namespace

// ,"captured_at":..,"registers":[..]} closing a payload; `with_own_times`: each register's
// own capture time too, where it differs from the payload's (a billing period's maxima).
std::string RegistersTail(TimePoint captured_at,
                          const google::protobuf::RepeatedPtrField<v1::RegisterValue>& registers,
                          bool with_own_times) {
  std::string out =
      absl::StrCat(",\"captured_at\":", JsonQuote(FormatRfc3339(captured_at)), ",\"registers\":[");
  for (int i = 0; i < registers.size(); ++i) {
    const v1::RegisterValue& reg = registers[i];
    absl::StrAppend(&out, i == 0 ? "" : ",", "{\"obis\":", JsonQuote(reg.obis()),
                    ",\"value\":", reg.value(), ",\"scaler\":", reg.scaler(),
                    ",\"unit\":", JsonQuote(dlms::UnitSymbol(static_cast<dlms::Unit>(reg.unit()))));
    if (with_own_times && reg.has_captured_at() && TimePointOf(reg.captured_at()) != captured_at) {
      absl::StrAppend(&out, ",\"at\":", JsonQuote(FormatRfc3339(TimePointOf(reg.captured_at()))));
    }
    out += "}";
  }
  out += "]}";
  return out;
}

std::string ReadingsJson(std::string_view gateway, uint64_t sequence, const v1::Event& event) {
  return absl::StrCat(Head(gateway, sequence, event),
                      RegistersTail(TimePointOf(event.at()), event.readings().registers(), false));
}

std::string BillingPeriodJson(std::string_view gateway, uint64_t sequence, const v1::Event& event) {
  const v1::BillingPeriod& period = event.billing_period();
  return absl::StrCat(Head(gateway, sequence, event),
                      RegistersTail(TimePointOf(period.captured_at()), period.registers(), true));
}

std::string MeterEventJson(std::string_view gateway, uint64_t sequence, const v1::Event& event) {
  const v1::MeterEvent& entry = event.meter_event();
  return absl::StrCat(
      Head(gateway, sequence, event), ",\"log\":", JsonQuote(entry.log()),
      ",\"code\":", entry.code(), ",\"name\":", JsonQuote(entry.name()),
      ",\"captured_at\":", JsonQuote(FormatRfc3339(TimePointOf(entry.captured_at()))),
      ",\"value\":", entry.value(), ",\"alarm\":", entry.alarm() ? "true" : "false",
      ",\"power_quality\":", entry.power_quality() ? "true" : "false", "}");
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
                    "{\"captured_at\":", JsonQuote(FormatRfc3339(TimePointOf(row.captured_at()))),
                    ",\"status\":", row.status(), ",\"values\":[", absl::StrJoin(row.values(), ","),
                    "],\"read_back\":", row.read_back() ? "true" : "false", "}");
  }
  out += "]}";
  return out;
}

std::string MeterStatusJson(std::string_view gateway, uint64_t sequence, const v1::Event& event) {
  return absl::StrCat(Head(gateway, sequence, event), ",\"state\":\"online\",\"node_address\":",
                      event.meter_discovered().node_address(),
                      ",\"since\":", JsonQuote(FormatRfc3339(TimePointOf(event.at()))), "}");
}

}  // namespace vmuc::gateway
