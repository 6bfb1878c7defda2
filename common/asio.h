// The one way vmuc includes Boost.Asio.
//
// Boost 1.74's Asio under C++20 enables awaitable.hpp, which uses std::exchange without
// including <utility> (design.md, "Known pitfalls"): include it first, here, once.
#ifndef VMUC_COMMON_ASIO_H_
#define VMUC_COMMON_ASIO_H_

#include <utility>

#include <boost/asio.hpp>

namespace vmuc {
namespace asio = boost::asio;
}  // namespace vmuc

#endif  // VMUC_COMMON_ASIO_H_
