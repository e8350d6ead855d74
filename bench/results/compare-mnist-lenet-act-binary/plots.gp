# bitern compare: mnist, lenet. Written by `bitern compare --dataset mnist --data-dir ../shared/data --act binary --epochs 6 --limit-train 20000 --threads 1 --out bench/results/compare-mnist-lenet-act-binary`; `gnuplot plots.gp` in this folder redraws the plots.
if (!exists('suffix')) suffix = ''

reset
set terminal pngcairo size 900,600 font ',10' noenhanced
set output 'acc_vs_bytes.png'.suffix
set grid
set title 'Accuracy against model bytes: mnist, lenet (engine, avx512)'
set logscale x
set format x '%.0s%cB'
set xlabel 'model bytes (packed weights + scales + float parameters)'
set ylabel 'test accuracy (%)'
set offsets graph 0.1, graph 0.1, graph 0.1, graph 0.1
$D << EOD
float 1733452 98.150
binary 90852 95.910
ternary 146052 97.200
sq 142852 97.670
EOD
plot $D using 2:3 with points pt 7 ps 2 lc rgb '#1f77b4' notitle, '' using 2:3:1 with labels offset 0,1.3 notitle

reset
set terminal pngcairo size 1000,600 font ',10' noenhanced
set output 'latency.png'.suffix
set grid
set title 'Batch-1 latency per model and kernel level (median, one thread): mnist, lenet'
set logscale y
set ylabel 'microseconds per image'
set style fill solid 0.7
set boxwidth 0.7
set xtics rotate by -30
set yrange [*:*]
$L << EOD
"float f32" 212.070
"binary avx512" 42.233
"binary avx2" 52.268
"binary scalar" 113.743
"ternary avx512" 44.622
"ternary avx2" 61.208
"ternary scalar" 175.354
"sq avx512" 43.158
"sq avx2" 56.515
"sq scalar" 128.892
EOD
plot $L using 0:2:xtic(1) with boxes lc rgb '#2ca02c' notitle, '' using 0:2:(sprintf('%.0f', $2)) with labels offset 0,0.8 notitle

reset
set terminal pngcairo size 900,600 font ',10' noenhanced
set output 'sq_depth.png'.suffix
set grid
set title 'The SQ model, layer by layer: bits per weight (mnist, lenet)'
set logscale y 2
set yrange [0.5:256]
set ylabel 'bits per weight (1 binary, 2 ternary, 32 float)'
set xlabel 'layer (index in the model, op)'
set xtics rotate by -30
set bmargin 7
set style fill solid 0.7
set boxwidth 0.6
$S << EOD
"0 conv5x5:20+bn+sign" 32 "float, 500 weights"
"4 conv5x5:50+bn+sign" 1 "binary, 25000 weights"
"8 fc:500+bn+relu" 2 "ternary, 400000 weights"
"11 fc:10" 32 "float, 5000 weights"
EOD
plot $S using 0:2:xtic(1) with boxes lc rgb '#d62728' notitle, '' using 0:2:3 with labels rotate by 90 left offset 0,0.5 notitle

reset
set terminal pngcairo size 900,650 font ',10' noenhanced
set output 'beta.png'.suffix
set grid
set title 'SQ: beta of each quantized layer over training (mnist, lenet)'
set xlabel 'epoch'
set xtics 1
set ylabel 'beta (rad)'
set yrange [0.7:1.65]
set key outside below maxcols 2
set arrow from 4.5, graph 0 to 4.5, graph 1 nohead lc rgb 'gray'
set label 'depths frozen' at 4.6, graph 0.95
$B << EOD
1 1.23218 1.13151
2 1.47971 1.38026
3 1.51959 1.44950
4 1.55968 1.53033
5 1.55968 1.53033
6 1.55968 1.53033
EOD
plot pi/2 with lines dt 2 lc rgb 'black' title 'pi/2: the binary penalty', atan(81) with lines dt 3 lw 2 lc rgb 'red' title 'atan(81): above it a layer turns binary (u0 = 0.1, p = 2: the default depth rule)', pi/4 with lines dt 4 lc rgb 'gray30' title 'pi/4: the ternary penalty', $B using 1:2 with linespoints lw 2 title 'layer 4 conv5x5:50+bn+sign', $B using 1:3 with linespoints lw 2 title 'layer 8 fc:500+bn+relu'
