#include "imaging/rotate.hpp"
