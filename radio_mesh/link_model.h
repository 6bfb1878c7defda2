// LinkModel: the radio links of a simulated sub-GHz mesh (434-448 MHz).
//
// Per directed link a ->b the mean received level is
//   rssi(a->b) = tx_power - PL(d) + S(a,b) + A(a->b) - extra_loss(a,b)
// with PL the log-distance path loss (free space up to the reference distance d0, then
// 10 n log10(d/d0); Rappaport, "Wireless Communications", 4.9), S a seeded log-normal
// shadowing draw shared by both directions (the same obstacles lie on both), A a smaller
// seeded draw per direction (antenna, receiver noise figure and local interference differ
// at both ends, which makes links asymmetric), and extra_loss a fault (DegradeLink). Both
// draws are normal, truncated at +-2.5 sigma so that the radio horizon is finite and the
// neighbour search can stop there (1.2 % of draws are clipped).
//
// A frame crosses a link with the probability of a logistic of the margin above the
// sensitivity: p = 1 / (1 + exp(-(rssi - sensitivity) / success_slope_db)); the
// sensitivity is the level of 50 % success by definition, and a 1.5 dB slope takes p from
// 10 % to 90 % over 6.6 dB, the width of a typical FSK receiver's waterfall curve. A frame
// longer than max_frame_payload_bytes goes as fragments, each with the full header, and
// succeeds only if every fragment does (p^fragments).
//
// Building the model keeps, per node, its candidate neighbours: the strongest
// max_neighbours links by mean level (meter radios keep bounded neighbour tables) whose
// success exceeds link_floor in at least one direction; the relation is made symmetric
// (a link kept by either end is kept at both). A uniform grid of cells lets each node
// search rings of cells outwards only until no farther node could still beat its weakest
// kept link, so building is O(N * neighbourhood), not O(N^2).
//
// Thread-compatible: const methods may run concurrently; faults (Degrade, Partition) need
// exclusive access. MeshSimulator owns one.
#ifndef VMUC_RADIO_MESH_LINK_MODEL_H_
#define VMUC_RADIO_MESH_LINK_MODEL_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/frame.h"
#include "common/time.h"
#include "radio_mesh/topology.h"

namespace vmuc::radio_mesh {

struct RadioOptions {
  // Carrier, MHz. Must lie in 434..448 MHz, the band of the simulated meters' radios.
  double frequency_mhz = 444;
  // 14 dBm (25 mW): the ERP limit of most EN 300 220 sub-bands and of typical meter radios.
  double tx_power_dbm = 14;
  // The level at which half of the frames get through (38.4 kbit/s 2-GFSK receivers).
  double sensitivity_dbm = -105;
  // Width of the success curve around the sensitivity (see above), dB.
  double success_slope_db = 1.5;
  // 3.0: suburban ground-level links (2 is free space, 4 dense urban).
  double path_loss_exponent = 3.0;
  // Free-space loss applies up to d0; below it the loss is that at d0.
  double reference_distance_m = 1;
  // Log-normal shadowing of a link, seeded per node pair and shared by both directions;
  // 6 dB is the usual suburban figure.
  double shadowing_sigma_db = 6;
  // Per-direction part, seeded per ordered pair: makes links asymmetric.
  double asymmetry_sigma_db = 2;
  double data_rate_bps = 38400;
  // Preamble (4), sync word (4), PHY length (1), MAC header with both addresses and a
  // sequence number (7), mesh header (2) and CRC-16 (2): 20 bytes on every frame ...
  uint32_t frame_overhead_bytes = 20;
  // ... plus 4 bytes per address of the source route the frame carries.
  uint32_t route_address_bytes = 4;
  // 255-byte PHY frames (one length byte) less the header and a full 15-address route.
  uint32_t max_frame_payload_bytes = 175;
  // A hop acknowledgement: preamble, sync, length, both addresses, sequence and CRC.
  uint32_t ack_bytes = 14;
  // Duty cycle: share of any one hour a transmitter may be on the air (ETSI EN 300 220-2
  // V3.2.1, Annex B: 10 % in the 433.05-434.79 MHz and the 869.40-869.65 MHz sub-bands;
  // the same limit is applied to the whole simulated band). 1 disables the limit.
  double duty_cycle = 0.10;
  // A link is a candidate when a frame crosses it with at least this probability in one
  // direction; weaker links are never usable (ETX > 10 000).
  double link_floor = 0.01;
  // Neighbours a radio keeps (the strongest by mean level): bounded like a real table.
  uint32_t max_neighbours = 32;
};

// InvalidArgument naming the first field out of range.
absl::Status ValidateRadioOptions(const RadioOptions& options);

// Free-space loss (Friis) at `distance_m`, dB.
double FreeSpaceLossDb(double distance_m, double frequency_mhz);
// Log-distance path loss, dB: monotonic non-decreasing in distance.
double PathLossDb(double distance_m, const RadioOptions& options);
// Mean received level at `distance_m` without shadowing, dBm.
double MeanRssiDbm(double distance_m, const RadioOptions& options);
// Probability one frame (or fragment) received at `rssi_dbm` is decoded.
double FrameSuccess(double rssi_dbm, const RadioOptions& options);
// Time on air of `bytes` bytes (headers included) at the data rate.
Duration Airtime(uint32_t bytes, const RadioOptions& options);
// Fragments a payload of `payload_bytes` needs (at least 1).
uint32_t Fragments(uint32_t payload_bytes, const RadioOptions& options);
// Time on air of a frame carrying `payload_bytes` and `route_addresses` route addresses,
// all fragments included.
Duration FrameAirtime(uint32_t payload_bytes, uint32_t route_addresses,
                      const RadioOptions& options);

// One end of a candidate link, as seen from the node that owns the list.
struct Neighbour {
  uint32_t node = 0;        // index into the node list
  float rssi_out_dbm = 0;   // mean level the neighbour receives from the owner
  float rssi_in_dbm = 0;    // mean level the owner receives from the neighbour
  float extra_loss_db = 0;  // DegradeLink fault on this pair
  float success_out = 0;    // FrameSuccess(rssi_out - extra_loss)
  float success_in = 0;
};

class LinkModel {
 public:
  // Nodes are referred to by their index in `nodes` from here on.
  static absl::StatusOr<LinkModel> Create(const std::vector<MeshNode>& nodes,
                                          const RadioOptions& options, uint64_t seed);

  const RadioOptions& options() const { return options_; }
  size_t size() const { return nodes_.size(); }
  const MeshNode& node(uint32_t index) const { return nodes_[index]; }

  std::span<const Neighbour> Neighbours(uint32_t node) const {
    return {neighbours_.data() + offsets_[node], neighbours_.data() + offsets_[node + 1]};
  }
  // The candidate link from -> to, or nullptr when there is none.
  const Neighbour* Find(uint32_t from, uint32_t to) const;
  // Mean level `to` receives from `from` with faults, or nullopt when no candidate link.
  std::optional<double> RssiDbm(uint32_t from, uint32_t to) const;
  // Probability one single-fragment frame crosses from -> to now: 0 when there is no
  // candidate link or a partition cuts it.
  double Success(uint32_t from, uint32_t to) const;
  double Success(const Neighbour& link, uint32_t owner, bool outbound) const {
    if (Cut(owner, link.node)) return 0;
    return outbound ? link.success_out : link.success_in;
  }
  // A partition fault separates the two nodes.
  bool Cut(uint32_t a, uint32_t b) const { return region_[a] != region_[b]; }
  bool Degraded(uint32_t a, uint32_t b) const;

  // Adds `extra_loss_db` (>= 0; 0 restores) to both directions of the pair; a pair with no
  // candidate link has nothing to degrade and is left alone.
  void Degrade(uint32_t a, uint32_t b, double extra_loss_db);
  // Cuts every link with exactly one end inside the rectangle (several areas combine: a
  // link is cut when its ends lie in different sets of areas). At most 64 areas.
  absl::Status Partition(double x_min_m, double y_min_m, double x_max_m, double y_max_m);
  void HealPartitions();

 private:
  LinkModel() = default;
  void Refresh(Neighbour& link) const;

  RadioOptions options_;
  std::vector<MeshNode> nodes_;
  std::vector<uint32_t> offsets_;  // CSR: node i's neighbours are [offsets_[i], offsets_[i+1])
  std::vector<Neighbour> neighbours_;
  std::vector<uint64_t> region_;  // bit k: inside partition area k
  uint32_t partitions_ = 0;
};

}  // namespace vmuc::radio_mesh

#endif  // VMUC_RADIO_MESH_LINK_MODEL_H_
