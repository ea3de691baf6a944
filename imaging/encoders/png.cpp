#include "imaging/encoder.hpp"
