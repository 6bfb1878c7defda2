// The one way vmuc includes Boost.Asio.
//
// Boost 1.74's Asio under C++20 enables awaitable.hpp, which uses std::exchange without
// including <utility> (design.md, "Known pitfalls"): include it first, here, once.
#ifndef VMUC_COMMON_ASIO_H_
#define VMUC_COMMON_ASIO_H_

// <utility> must come first, whatever include sorting says.
// clang-format off
#include <utility>
#include <boost/asio.hpp>
// clang-format on

namespace vmuc {
namespace asio = boost::asio;
}  // namespace vmuc

#endif  // VMUC_COMMON_ASIO_H_
