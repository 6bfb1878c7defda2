#include "gateway/ctl/ctl_format.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

}  // namespace vmuc::gateway
