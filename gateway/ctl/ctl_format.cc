#include "gateway/ctl/ctl_format.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"
#include "common/time.h"

namespace vmuc::gateway {

std::string ScaledDecimal(int64_t value, int32_t scaler) {
  const bool negative = value < 0;
  // Unsigned magnitude: INT64_MIN has no positive counterpart.
  const uint64_t magnitude =
      negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  std::string digits = std::to_string(magnitude);
  if (scaler > 0) {
    if (magnitude != 0) digits.append(static_cast<size_t>(scaler), '0');
  } else if (scaler < 0) {
    const size_t decimals = static_cast<size_t>(-scaler);
    if (digits.size() <= decimals) digits.insert(0, decimals - digits.size() + 1, '0');
    digits.insert(digits.size() - decimals, ".");
  }
  return negative ? "-" + digits : digits;
}

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  return FormatRfc3339(TimePoint(std::chrono::seconds(timestamp.seconds()) +
                                 std::chrono::nanoseconds(timestamp.nanos())));
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string MetersTable(const std::vector<v1::Meter>& meters) {
  std::vector<std::vector<std::string>> rows = {
      {"METER", "NODE", "FIRST SEEN", "LAST SEEN", "FRAMES"}};
  for (const v1::Meter& meter : meters) {
    rows.push_back({meter.meter_id(), std::to_string(meter.node_address()),
                    FormatTimestamp(meter.first_seen()), FormatTimestamp(meter.last_seen()),
                    std::to_string(meter.frames_received())});
  }
  return FormatTable(rows);
}

std::string RegistersTable(const v1::ReadRegistersResponse& response) {
  std::vector<std::vector<std::string>> rows = {{"OBIS", "VALUE", "UNIT", "CAPTURED AT"}};
  for (const v1::RegisterValue& reg : response.registers()) {
    rows.push_back({reg.obis(), ScaledDecimal(reg.value(), reg.scaler()), reg.unit_symbol(),
                    FormatTimestamp(reg.captured_at())});
  }
  return FormatTable(rows);
}

std::string EventLine(const v1::Event& event) {
  std::string kind;
  std::string details;
  switch (event.kind_case()) {
    case v1::Event::kReadings: {
      kind = "readings";
      std::vector<std::string> parts;
      for (const v1::RegisterValue& reg : event.readings().registers()) {
        parts.push_back(absl::StrCat(reg.obis(), "=", ScaledDecimal(reg.value(), reg.scaler()),
                                     reg.unit_symbol()));
      }
      details = absl::StrJoin(parts, " ");
      break;
    }
    case v1::Event::kMeterDiscovered:
      kind = "meter_discovered";
      details = absl::StrCat("node=", event.meter_discovered().node_address());
      break;
    case v1::Event::kLoadProfile: {
      kind = "load_profile";
      const v1::LoadProfile& profile = event.load_profile();
      const auto read_back =
          std::count_if(profile.rows().begin(), profile.rows().end(),
                        [](const v1::LoadProfileRow& row) { return row.read_back(); });
      details = absl::StrCat("rows=", profile.rows_size(), " period=", profile.period_s(),
                             "s read_back=", read_back);
      break;
    }
    case v1::Event::kBillingPeriod: {
      kind = "billing_period";
      std::vector<std::string> parts = {
          absl::StrCat("end=", FormatTimestamp(event.billing_period().captured_at()))};
      for (const v1::RegisterValue& reg : event.billing_period().registers()) {
        parts.push_back(absl::StrCat(reg.obis(), "=", ScaledDecimal(reg.value(), reg.scaler()),
                                     reg.unit_symbol()));
      }
      details = absl::StrJoin(parts, " ");
      break;
    }
    case v1::Event::kMeterEvent: {
      const v1::MeterEvent& entry = event.meter_event();
      // An alarm stands out in a scrolling `events --follow`.
      kind = entry.alarm() ? "meter_alarm" : "meter_event";
      details = absl::StrCat("log=", entry.log(), " code=", entry.code(),
                             entry.name().empty() ? "" : absl::StrCat(" ", entry.name()));
      if (entry.value() != 0) absl::StrAppend(&details, " value=", entry.value());
      if (entry.power_quality()) absl::StrAppend(&details, " power_quality");
      break;
    }
    default:
      kind = "unknown";
  }
  return absl::StrCat(event.sequence(), "  ", FormatTimestamp(event.at()), "  ", event.meter_id(),
                      "  ", kind, "  ", details);
}

absl::StatusOr<v1::MeshFault> ParseMeshFault(const std::vector<std::string>& args) {
  if (args.empty()) return absl::InvalidArgumentError("name the fault");
  struct Form {
    const char* name;
    v1::MeshFault::Action action;
    std::vector<const char*> operands;
  };
  static const Form kForms[] = {
      {"kill", v1::MeshFault::ACTION_KILL, {"NODE"}},
      {"revive", v1::MeshFault::ACTION_REVIVE, {"NODE"}},
      {"degrade", v1::MeshFault::ACTION_DEGRADE, {"NODE", "PEER", "DB"}},
      {"partition", v1::MeshFault::ACTION_PARTITION, {"X0", "Y0", "X1", "Y1"}},
      {"heal", v1::MeshFault::ACTION_HEAL, {}},
      {"restart-collector", v1::MeshFault::ACTION_RESTART_COLLECTOR, {}},
  };
  const Form* form = nullptr;
  for (const Form& candidate : kForms) {
    if (args[0] == candidate.name) form = &candidate;
  }
  if (form == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", args[0],
        "' is not a fault (kill, revive, degrade, partition, heal, restart-collector)"));
  }
  if (args.size() != form->operands.size() + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(args[0], " takes ", form->operands.size(),
                     " argument(s): ", absl::StrJoin(form->operands, " ")));
  }
  std::vector<double> numbers;
  for (size_t i = 0; i < form->operands.size(); ++i) {
    double value = 0;
    if (!absl::SimpleAtod(args[i + 1], &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat(form->operands[i], ": '", args[i + 1], "' is not a number"));
    }
    const bool address = std::string_view(form->operands[i]) == "NODE" ||
                         std::string_view(form->operands[i]) == "PEER";
    if (address && (value < 0 || value > 268435455 || value != static_cast<uint32_t>(value))) {
      return absl::InvalidArgumentError(
          absl::StrCat(form->operands[i], ": '", args[i + 1], "' is not a 28-bit node address"));
    }
    numbers.push_back(value);
  }
  v1::MeshFault fault;
  fault.set_action(form->action);
  switch (form->action) {
    case v1::MeshFault::ACTION_KILL:
    case v1::MeshFault::ACTION_REVIVE:
      fault.set_node(static_cast<uint32_t>(numbers[0]));
      break;
    case v1::MeshFault::ACTION_DEGRADE:
      fault.set_node(static_cast<uint32_t>(numbers[0]));
      fault.set_peer(static_cast<uint32_t>(numbers[1]));
      fault.set_extra_loss_db(numbers[2]);
      break;
    case v1::MeshFault::ACTION_PARTITION:
      fault.set_x_min_m(numbers[0]);
      fault.set_y_min_m(numbers[1]);
      fault.set_x_max_m(numbers[2]);
      fault.set_y_max_m(numbers[3]);
      break;
    default:
      break;
  }
  return fault;
}

absl::StatusOr<google::protobuf::Timestamp> ParseTimeOption(std::string_view option,
                                                            std::string_view text) {
  auto t = ParseRfc3339(text);
  if (!t.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(option), ": '", AsAbsl(text),
                     "' is not an RFC 3339 UTC time (e.g. 2026-01-01T00:00:00Z)"));
  }
  const int64_t ns = t->time_since_epoch().count();
  // Floor division: an instant before 1970 keeps its nanos within [0, 1e9).
  int64_t seconds = ns / 1'000'000'000;
  int64_t nanos = ns % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --seconds;
  }
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(static_cast<int32_t>(nanos));
  return timestamp;
}

absl::StatusOr<std::string> ProfileCsv::Add(const v1::LoadProfileChunk& chunk) {
  std::string out;
  if (chunk.entries_size() == 0) return out;
  const std::vector<std::string> channels(chunk.channels().begin(), chunk.channels().end());
  if (!header_written_) {
    channels_ = channels;
    out = absl::StrCat("captured_at,status", channels_.empty() ? "" : ",",
                       absl::StrJoin(channels_, ","), "\n");
    header_written_ = true;
  } else if (channels != channels_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the meter's channels change at ", FormatTimestamp(chunk.entries(0).captured_at()), " (",
        absl::StrJoin(channels, ","), "); export the ranges before and after apart"));
  }
  for (const v1::LoadProfileEntry& entry : chunk.entries()) {
    absl::StrAppend(&out, FormatTimestamp(entry.captured_at()), ",", entry.status());
    for (int64_t value : entry.values()) absl::StrAppend(&out, ",", value);
    out += '\n';
  }
  return out;
}

std::string ProfileCsv::Finish() const {
  return header_written_ ? std::string() : std::string("captured_at,status\n");
}

std::string ProfileTable(const std::vector<v1::LoadProfileChunk>& chunks) {
  std::string out;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> channels;
  auto flush = [&] {
    if (rows.size() > 1) absl::StrAppend(&out, out.empty() ? "" : "\n", FormatTable(rows));
    rows.clear();
  };
  for (const v1::LoadProfileChunk& chunk : chunks) {
    if (chunk.entries_size() == 0) continue;
    const std::vector<std::string> chunk_channels(chunk.channels().begin(), chunk.channels().end());
    if (rows.empty() || chunk_channels != channels) {
      flush();
      channels = chunk_channels;
      rows.push_back({"CAPTURED AT", "STATUS"});
      rows.back().insert(rows.back().end(), channels.begin(), channels.end());
      rows.back().push_back("READ BACK");
    }
    for (const v1::LoadProfileEntry& entry : chunk.entries()) {
      std::vector<std::string> row = {FormatTimestamp(entry.captured_at()),
                                      absl::StrCat(entry.status())};
      for (int64_t value : entry.values()) row.push_back(absl::StrCat(value));
      row.push_back(entry.read_back() ? "yes" : "no");
      rows.push_back(std::move(row));
    }
  }
  flush();
  return out;
}

std::string BillingTable(const std::vector<v1::BillingPeriod>& periods) {
  std::vector<std::vector<std::string>> rows = {{"CAPTURED AT", "OBIS", "VALUE", "UNIT", "MAX AT"}};
  for (const v1::BillingPeriod& period : periods) {
    const std::string end = FormatTimestamp(period.captured_at());
    for (const v1::RegisterValue& reg : period.registers()) {
      std::string max_at;
      if (!reg.has_captured_at()) {
        max_at = "-";
      } else if (reg.captured_at().seconds() != period.captured_at().seconds() ||
                 reg.captured_at().nanos() != period.captured_at().nanos()) {
        max_at = FormatTimestamp(reg.captured_at());
      }
      rows.push_back({end, reg.obis(), ScaledDecimal(reg.value(), reg.scaler()), reg.unit_symbol(),
                      std::move(max_at)});
    }
  }
  return FormatTable(rows);
}

std::string BillingCsvHeader() { return "captured_at,obis,value,scaler,unit,value_at\n"; }

std::string BillingCsvLines(const v1::BillingPeriod& period) {
  std::string out;
  const std::string end = FormatTimestamp(period.captured_at());
  for (const v1::RegisterValue& reg : period.registers()) {
    absl::StrAppend(&out, end, ",", reg.obis(), ",", reg.value(), ",", reg.scaler(), ",",
                    reg.unit(), ",",
                    reg.has_captured_at() ? FormatTimestamp(reg.captured_at()) : "", "\n");
  }
  return out;
}

std::string FormatUptime(uint64_t seconds) {
  const uint64_t days = seconds / 86'400;
  const std::string clock =
      absl::StrFormat("%02d:%02d:%02d", (seconds / 3600) % 24, (seconds / 60) % 60, seconds % 60);
  return days > 0 ? absl::StrCat(days, "d ", clock) : clock;
}

std::string StatusTable(const v1::GatewayStatus& status) {
  const bool live = status.has_live();
  auto figure = [live](uint64_t value) { return live ? absl::StrCat(value) : std::string("-"); };
  std::vector<std::vector<std::string>> rows = {
      {"GATEWAY", status.gateway_name()},
      {"VERSION", status.version()},
      {"STARTED", status.has_started_at() ? FormatTimestamp(status.started_at()) : "-"},
      {"UPTIME", status.has_started_at() ? FormatUptime(status.uptime_s()) : "-"},
      {"METERS", absl::StrCat(status.meter_count())},
      {"LAST EVENT", absl::StrCat(status.last_event_sequence())},
      {"FRAMES ACCEPTED", figure(status.live().frames_accepted())},
      {"FRAMES REJECTED", figure(status.live().frames_rejected())},
      {"MQTT", live ? (status.live().mqtt_connected() ? "connected" : "disconnected") : "-"},
      {"MQTT OUTBOX", figure(status.live().mqtt_outbox_messages())},
  };
  return FormatTable(rows);
}

absl::StatusOr<std::string> ParseTokenFile(std::string_view text) {
  for (absl::string_view line : absl::StrSplit(AsAbsl(text), '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    if (std::any_of(line.begin(), line.end(),
                    [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); })) {
      return absl::InvalidArgumentError(
          "the token's line has a blank inside; the file holds the token alone");
    }
    return std::string(line);
  }
  return absl::InvalidArgumentError("no token in the file (only blank or # lines)");
}

}  // namespace vmuc::gateway
