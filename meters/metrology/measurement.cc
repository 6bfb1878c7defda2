#include "meters/metrology/measurement.h"

namespace vmuc::meters {

Quadrant PhaseValues::quadrant() const {
  if (active_mw >= 0) return reactive_mvar >= 0 ? Quadrant::kQ1 : Quadrant::kQ4;
  return reactive_mvar >= 0 ? Quadrant::kQ2 : Quadrant::kQ3;
}

}  // namespace vmuc::meters
