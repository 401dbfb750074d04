/* floor renders a JPEG into a 300 px thumbnail N times with libvips alone:
 * vips_thumbnail_buffer + vips_jpegsave_buffer, one thread, no cache. It is
 * the library's floor that easel's engine is measured against (issue 8):
 *
 *   gcc -O2 -o /tmp/floor scripts/floor/floor.c $(pkg-config --cflags --libs vips)
 *   valgrind --tool=callgrind /tmp/floor photo.jpg 5 [srgb|optimize]
 *
 * Run it with N=1 and N=6: the difference / 5 is the instructions per render.
 * The mode "srgb" adds export_profile=srgb (import the embedded profile,
 * export sRGB); "optimize" adds optimize_coding (optimised Huffman tables).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: floor photo.jpg N [srgb|optimize]\n");
		return 2;
	}
	if (VIPS_INIT(argv[0]))
		vips_error_exit(NULL);
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	const char *mode = argc > 3 ? argv[3] : "";
	gchar *in;
	gsize inLen;
	if (!g_file_get_contents(argv[1], &in, &inLen, NULL))
		vips_error_exit("read %s", argv[1]);
	int n = atoi(argv[2]);
	size_t total = 0;
	for (int i = 0; i < n; i++) {
		VipsImage *t;
		int err = strcmp(mode, "srgb") == 0
			? vips_thumbnail_buffer(in, inLen, &t, 300, "height", 300, "export_profile", "srgb", NULL)
			: vips_thumbnail_buffer(in, inLen, &t, 300, "height", 300, NULL);
		if (err)
			vips_error_exit(NULL);
		void *out;
		size_t outLen;
		if (vips_jpegsave_buffer(t, &out, &outLen, "Q", 80, "strip", TRUE,
				"optimize_coding", strcmp(mode, "optimize") == 0, NULL))
			vips_error_exit(NULL);
		total += outLen;
		g_free(out);
		g_object_unref(t);
	}
	printf("%d renders, %zu bytes each\n", n, n ? total / n : 0);
	g_free(in);
	vips_shutdown();
	return 0;
}
