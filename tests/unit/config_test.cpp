#include <catch2/catch.hpp>

#include <fstream>

#include "server/config.hpp"
#include "tests/support/test_support.hpp"

using namespace tessera;

namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

ConfigOutcome load(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), "tessera");
  return load_config(args, env_of(std::move(env)), "/default/root");
}

}  // namespace

TEST_CASE("config: defaults apply when nothing is given") {
  const auto out = load({});
  REQUIRE(out.action == ConfigOutcome::Action::run);
  CHECK(out.config.root == "/default/root");
  CHECK(out.config.port == 8080);
  CHECK(out.config.jpeg_quality == 75);
  CHECK(out.config.max_cvt == 5000);
  CHECK(out.config.cors == "*");
  CHECK(out.config.cache_control == "max-age=86400");
  CHECK(out.config.max_header_bytes == 8192);
  CHECK(out.config.max_layers == 0);  // every JPEG2000 quality layer
  CHECK(out.config.max_open_files == 256);
}

TEST_CASE("config: iipsrv environment names are understood") {
  const auto out = load({}, {{"FILESYSTEM_PREFIX", "/images"},
                             {"JPEG_QUALITY", "90"},
                             {"MAX_CVT", "-1"},
                             {"CORS", "https://viewer.example"},
                             {"CACHE_CONTROL", "no-cache"},
                             {"MAX_IMAGE_CACHE_SIZE", "64"},
                             {"VERBOSITY", "3"},
                             {"LOGFILE", "/tmp/x.log"},
                             {"MAX_LAYERS", "3"},
                             {"MAX_METADATA_CACHE_SIZE", "50"}});
  REQUIRE(out.action == ConfigOutcome::Action::run);
  CHECK(out.config.root == "/images");
  CHECK(out.config.jpeg_quality == 90);
  CHECK(out.config.max_cvt == 0);  // unlimited
  CHECK(out.config.cors == "https://viewer.example");
  CHECK(out.config.cache_control == "no-cache");
  CHECK(out.config.image_cache_mb == 64);
  CHECK(out.config.log_level == spdlog::level::debug);
  CHECK(out.config.logfile == "/tmp/x.log");
  CHECK(out.config.max_layers == 3);
  CHECK(out.config.metadata_cache == 50);
}

TEST_CASE("config: precedence is flag > environment > file > default") {
  testing::TempDir dir;
  const auto file = dir.path() / "tessera.ini";
  std::ofstream(file) << "# comment\nport = 7000\njpeg_quality = 60\nMAX_CVT = 3000\ncors = none\n";

  const auto out = load({"--config", file.string(), "--port", "9000"}, {{"JPEG_QUALITY", "80"}});
  REQUIRE(out.action == ConfigOutcome::Action::run);
  CHECK(out.config.port == 9000);        // flag beats file
  CHECK(out.config.jpeg_quality == 80);  // environment beats file
  CHECK(out.config.max_cvt == 3000);     // file beats default (key given by its variable name)
  CHECK(out.config.cors.empty());        // "none" turns CORS off
  CHECK(out.config.keepalive_timeout == std::chrono::seconds(15));  // default
}

TEST_CASE("config: invalid values stop start-up with a message naming the setting") {
  SECTION("flag") {
    const auto out = load({"--jpeg-quality", "101"});
    CHECK(out.action == ConfigOutcome::Action::exit_error);
    CHECK_THAT(out.message, Catch::Contains("--jpeg-quality") && Catch::Contains("101"));
  }
  SECTION("environment") {
    const auto out = load({}, {{"MAX_CVT", "lots"}});
    CHECK(out.action == ConfigOutcome::Action::exit_error);
    CHECK_THAT(out.message, Catch::Contains("MAX_CVT"));
  }
  SECTION("timeouts must be positive") {
    const auto out = load({"--read-timeout", "0"});
    CHECK(out.action == ConfigOutcome::Action::exit_error);
    CHECK_THAT(out.message, Catch::Contains("--read-timeout"));
  }
  SECTION("port range") {
    CHECK(load({"--port", "70000"}).action == ConfigOutcome::Action::exit_error);
  }
  SECTION("base url scheme") {
    CHECK(load({"--base-url", "example.org"}).action == ConfigOutcome::Action::exit_error);
  }
  SECTION("log level") {
    const auto out = load({"--log-level", "loud"});
    CHECK(out.action == ConfigOutcome::Action::exit_error);
    CHECK_THAT(out.message, Catch::Contains("--log-level"));
  }
  SECTION("unknown flag") {
    CHECK(load({"--no-such-flag", "1"}).action == ConfigOutcome::Action::exit_error);
  }
}

TEST_CASE("config: a config file with an unknown key or missing file is an error") {
  testing::TempDir dir;
  const auto file = dir.path() / "bad.ini";
  std::ofstream(file) << "prot = 80\n";
  auto out = load({"--config", file.string()});
  CHECK(out.action == ConfigOutcome::Action::exit_error);
  CHECK_THAT(out.message, Catch::Contains("prot"));

  out = load({"--config", (dir.path() / "missing.ini").string()});
  CHECK(out.action == ConfigOutcome::Action::exit_error);
}

TEST_CASE("config: --help lists every setting with its variable, --version answers") {
  const auto help = load({"--help"});
  CHECK(help.action == ConfigOutcome::Action::exit_ok);
  for (const char* word : {"--root",
                           "FILESYSTEM_PREFIX",
                           "--jpeg-quality",
                           "JPEG_QUALITY",
                           "--max-cvt",
                           "MAX_CVT",
                           "--cors",
                           "CORS",
                           "--cache-control",
                           "CACHE_CONTROL",
                           "MAX_IMAGE_CACHE_SIZE",
                           "VERBOSITY",
                           "LOGFILE",
                           "--threads",
                           "--workers",
                           "--read-timeout",
                           "--keepalive-timeout",
                           "--max-connections",
                           "--max-header-bytes",
                           "--config"})
    CHECK_THAT(help.message, Catch::Contains(word));

  const auto version = load({"--version"});
  CHECK(version.action == ConfigOutcome::Action::exit_ok);
  CHECK_THAT(version.message, Catch::StartsWith("tessera "));
}

TEST_CASE("config: output and pipeline settings, with iipsrv's names and codes") {
  const auto defaults = load({});
  CHECK(defaults.config.interpolation == Interpolation::high_quality);
  CHECK(defaults.config.tiff_compression == TiffCompression::deflate);
  CHECK(defaults.config.webp_quality == 50);
  CHECK(defaults.config.png_quality == 1);
  CHECK(defaults.config.max_icc == 65536);
  CHECK(defaults.config.output_bits == 8);
  CHECK(defaults.config.background == Background::white);
  CHECK_FALSE(defaults.config.convert_icc);

  const auto iip = load({}, {{"INTERPOLATION", "0"},
                             {"TIFF_COMPRESSION", "1"},
                             {"WEBP_QUALITY", "-1"},
                             {"AVIF_QUALITY", "70"},
                             {"TESSERA_JP2_QUALITY", "40"},
                             {"PNG_QUALITY", "9"},
                             {"TIFF_QUALITY", "60"},
                             {"MAX_ICC", "-1"},
                             {"WATERMARK", "/marks/logo.tif"},
                             {"WATERMARK_OPACITY", "0.25"},
                             {"WATERMARK_PROBABILITY", "0.5"}});
  REQUIRE(iip.action == ConfigOutcome::Action::run);
  CHECK(iip.config.interpolation == Interpolation::nearest);
  CHECK(iip.config.tiff_compression == TiffCompression::lzw);
  CHECK(iip.config.webp_quality == -1);
  CHECK(iip.config.avif_quality == 70);
  CHECK(iip.config.jp2_quality == 40);
  CHECK(iip.config.png_quality == 9);
  CHECK(iip.config.tiff_quality == 60);
  CHECK(iip.config.max_icc == std::size_t{1} << 30);
  CHECK(iip.config.watermark == "/marks/logo.tif");
  CHECK(iip.config.watermark_opacity == 0.25);
  CHECK(iip.config.watermark_probability == 0.5);

  const auto named = load({"--interpolation", "bilinear", "--tiff-compression", "jpeg",
                           "--jpeg-subsampling", "444", "--output-bits", "16", "--background",
                           "black", "--convert-icc", "yes", "--embed-xmp", "on"});
  REQUIRE(named.action == ConfigOutcome::Action::run);
  CHECK(named.config.interpolation == Interpolation::bilinear);
  CHECK(named.config.tiff_compression == TiffCompression::jpeg);
  CHECK(named.config.jpeg_subsampling == ChromaSubsampling::s444);
  CHECK(named.config.output_bits == 16);
  CHECK(named.config.background == Background::black);
  CHECK(named.config.convert_icc);
  CHECK(named.config.embed_xmp);

  for (const auto& [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"--interpolation", "cubic"},
                                                        {"--tiff-compression", "5"},
                                                        {"--output-bits", "12"},
                                                        {"--webp-quality", "101"},
                                                        {"--jp2-quality", "0"},
                                                        {"--watermark-opacity", "1.5"},
                                                        {"--convert-icc", "maybe"},
                                                        {"--background", "grey"}}) {
    const auto bad = load({flag, value});
    INFO(flag << " " << value);
    CHECK(bad.action == ConfigOutcome::Action::exit_error);
    CHECK(bad.message.find(flag) != std::string::npos);
  }
}

TEST_CASE("config: IIIF settings, with iipsrv's names") {
  const auto defaults = load({});
  REQUIRE(defaults.action == ConfigOutcome::Action::run);
  const Config& d = defaults.config;
  CHECK(d.iiif_version == 3);
  CHECK(d.iiif_delimiter == ";");
  CHECK(d.allow_upscaling);
  // Limits follow MAX_CVT unless set: width and height are it, the area its square.
  CHECK(d.effective_max_width() == 5000);
  CHECK(d.effective_max_height() == 5000);
  CHECK(d.effective_max_area() == 25'000'000);
  CHECK(d.suffixes == std::vector<std::string>{".tif", ".tiff", ".ptif", ".jp2"});

  const auto iip = load({}, {{"IIIF_VERSION", "2"},
                             {"IIIF_DELIMITER", "_page"},
                             {"ALLOW_UPSCALING", "0"},
                             {"MAX_CVT", "-1"},
                             {"FILESYSTEM_SUFFIX", ".tif"},
                             {"IIIF_EXTRA_INFO", R"({"service":[]})"}});
  REQUIRE(iip.action == ConfigOutcome::Action::run);
  CHECK(iip.config.iiif_version == 2);
  CHECK(iip.config.iiif_delimiter == "_page");
  CHECK_FALSE(iip.config.allow_upscaling);
  CHECK(iip.config.effective_max_width() == 0);  // unlimited
  CHECK(iip.config.effective_max_area() == 0);
  CHECK(iip.config.suffixes == std::vector<std::string>{".tif"});
  CHECK(iip.config.iiif_extra_info == R"({"service":[]})");

  const auto own = load({"--max-cvt", "4000", "--max-width", "3000", "--max-area", "-1",
                         "--preferred-formats", "webp,jpg", "--rights",
                         "https://creativecommons.org/licenses/by/4.0/", "--iiif-delimiter", ""});
  REQUIRE(own.action == ConfigOutcome::Action::run);
  CHECK(own.config.effective_max_width() == 3000);
  CHECK(own.config.effective_max_height() == 4000);
  CHECK(own.config.effective_max_area() == 0);
  CHECK(own.config.preferred_formats == std::vector<std::string>{"webp", "jpg"});
  CHECK(own.config.rights == "https://creativecommons.org/licenses/by/4.0/");
  CHECK(own.config.iiif_delimiter.empty());

  for (const auto& [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"--iiif-version", "1"},
                                                        {"--iiif-version", "4"},
                                                        {"--iiif-delimiter", "/"},
                                                        {"--max-width", "0"},
                                                        {"--preferred-formats", "jpeg"},
                                                        {"--preferred-formats", "bmp"},
                                                        {"--rights", "CC-BY"},
                                                        {"--iiif-extra-info", "[1,2]"},
                                                        {"--iiif-extra-info", "{bad json"},
                                                        {"--suffixes", "a/b"}}) {
    const auto bad = load({flag, value});
    INFO(flag << " " << value);
    CHECK(bad.action == ConfigOutcome::Action::exit_error);
    CHECK(bad.message.find(flag) != std::string::npos);
  }
}

TEST_CASE("config: IIP sequences and DeepZoom settings") {
  const auto defaults = load({});
  REQUIRE(defaults.action == ConfigOutcome::Action::run);
  CHECK(defaults.config.filename_pattern == "_pyr_");  // iipsrv's default
  CHECK(defaults.config.deepzoom_overlap == 0);

  const auto env = load({}, {{"FILENAME_PATTERN", "_view_"}, {"TESSERA_DEEPZOOM_OVERLAP", "1"}});
  REQUIRE(env.action == ConfigOutcome::Action::run);
  CHECK(env.config.filename_pattern == "_view_");
  CHECK(env.config.deepzoom_overlap == 1);

  const auto flags = load({"--filename-pattern", "-", "--deepzoom-overlap", "64"});
  REQUIRE(flags.action == ConfigOutcome::Action::run);
  CHECK(flags.config.filename_pattern == "-");
  CHECK(flags.config.deepzoom_overlap == 64);

  for (const auto& [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"--filename-pattern", ""},
                                                        {"--filename-pattern", "a/b"},
                                                        {"--deepzoom-overlap", "-1"},
                                                        {"--deepzoom-overlap", "65"},
                                                        {"--deepzoom-overlap", "x"}}) {
    const auto bad = load({flag, value});
    CHECK(bad.action == ConfigOutcome::Action::exit_error);
    CHECK(bad.message.find(flag.substr(2)) != std::string::npos);
  }
}
