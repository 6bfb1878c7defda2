#include "meters/loggers/billing_log.h"

namespace vmuc::meters {

void BillingLog::Append(const BillingValues& values) {
  if (depth_ == 0) return;
  if (entries_.size() == depth_) entries_.pop_front();
  entries_.push_back(values);
}

}  // namespace vmuc::meters
