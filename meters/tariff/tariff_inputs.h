// Module port tariff control: the tariff chosen by the levels of the module's tariff inputs.
//
// With Z13 = 001 "Module Port control" an external signal (e.g. the utility's ripple control
// receiver wired to a tariff module, datasheet accessories 68 50 076 / 68 50 078 "Tariff
// control, 4-tariff, 230 V input") selects the tariff through the primary module's I/O 1 and
// I/O 2. Which I/O carries a tariff input, and whether it is active-low, is the Z3 "Primary
// module configuration". The Z3 decoder (meters/configuration/) maps Z3 onto a
// TariffInputMode as follows; every Z3 code not listed has no tariff input (kNone):
//
//   Z3  name (datasheet)                          I/O 1   I/O 2   TariffInputMode
//   01  4-tariff                                  input   input   {kFourTariff, false}
//   02  4-tariff inverted                         input   input   {kFourTariff, true}
//   07  2-tariff / Alarm in                       input   input   {kTwoTariff, false, 1}
//   08  2-tariff inverted / Alarm in              input   input   {kTwoTariff, true, 1}
//   09  2-tariff / Alarm in inverted              input   input   {kTwoTariff, false, 1}
//   10  2-tariff inverted / Alarm in inverted     input   input   {kTwoTariff, true, 1}
//   11  2-tariff / A+ out                         input   output  {kTwoTariff, false, 1}
//   12  2-tariff inverted / A+ out                input   output  {kTwoTariff, true, 1}
//   13  Pulse in / 2-tariff                       input   input   {kTwoTariff, false, 2}
//   14  Pulse in / 2-tariff inverted              input   input   {kTwoTariff, true, 2}
//   22  4-tariff sync load control                input   input   {kFourTariff, false}
//   23  4-tariff sync load control inverted       input   input   {kFourTariff, true}
//   18..21  Pulse in [inv.] / Load tariff sync [inverted]: I/O 2 is an output that signals
//           the tariff to a load; no tariff input (kNone).
//
// Judgement calls (the datasheet names the modes but not the levels):
//   - 4-tariff inputs are a binary number, I/O 1 the low bit: tariff = 1 + I/O 1 + 2 * I/O 2
//     (both inactive T1, I/O 1 only T2, I/O 2 only T3, both T4);
//   - 2-tariff: inactive T1, active T2;
//   - "inverted" inverts the levels of the tariff input(s) before that rule (active-low); in
//     codes 09/10 the word applies to the alarm input only, and in 22/23 to the tariff
//     inputs, whose tariff the load control follows (meters/control/).
//
// Pure functions; thread-safe.
#ifndef VMUC_METERS_TARIFF_TARIFF_INPUTS_H_
#define VMUC_METERS_TARIFF_TARIFF_INPUTS_H_

#include "absl/status/status.h"

namespace vmuc::meters {

enum class TariffInputKind {
  kNone,        // the module port carries no tariff input
  kTwoTariff,   // one input selects T1 / T2
  kFourTariff,  // I/O 1 and I/O 2 select T1..T4 as a binary number
};

struct TariffInputMode {
  TariffInputKind kind = TariffInputKind::kNone;
  // Active-low tariff input(s): the Z3 modes named "2-tariff inverted" / "4-tariff inverted".
  bool inverted = false;
  // kTwoTariff: the I/O, 1 or 2, that carries the tariff input. Unused otherwise.
  int tariff_io = 1;
};

// The electrical levels on the module's I/O 1 and I/O 2: true when the input is energised
// (voltage applied / loop current flowing). Levels of I/Os configured as outputs are ignored.
struct TariffInputs {
  bool io1 = false;
  bool io2 = false;
};

// InvalidArgument for an unknown kind or a two-tariff input on an I/O other than 1 or 2.
absl::Status ValidateTariffInputMode(const TariffInputMode& mode);

// The tariff (1..4) the inputs select. kNone selects tariff 1. `mode` must be valid.
int TariffFromInputs(const TariffInputMode& mode, const TariffInputs& inputs);

}  // namespace vmuc::meters

#endif  // VMUC_METERS_TARIFF_TARIFF_INPUTS_H_
