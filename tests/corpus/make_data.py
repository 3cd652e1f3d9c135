"""Stand-in data for the corpus programs, in the exact formats their loaders read, made offline.

    python tests/corpus/make_data.py OUT

writes
- `OUT/keras_home/datasets/`: what `keras.datasets.*.load_data()` finds in Keras's cache
  (`$KERAS_HOME`): mnist.npz, fashion-mnist/*.gz, the CIFAR-10 archive, imdb.npz and
  imdb_word_index.json; `OUT/keras_home/models/`: a stand-in for VGG19's ImageNet weights;
- `OUT/served/`: what the programs download (served from 127.0.0.1 by the harness):
  mnist.npz, flower_photos.tgz, a sunflower JPEG, aclImdb_v1.tar.gz, CSV files (auto-mpg,
  heart, ECG, FordA and shorter FordA series, NAB, creditcard),
  jena_climate_2009_2016.csv.zip, petfinder-mini.zip, fra-eng.zip, ml-latest-small.zip,
  the PetImages folder of kagglecatsanddogs_5340.zip, aclImdb_v1.tar.gz unpacked
  (aclImdb/), nietzsche.txt, news20.tar.gz and glove.6B.100d.txt;
- `OUT/standin_hashes.json`: the sha256 of every generated file (a loader that checks Keras's
  published hash accepts these files in the test processes; see harness.py).

Every dataset is small and learnable (each class has its own prototype plus noise), so a
program's final numbers say whether it trained.
"""

from __future__ import annotations

import hashlib
import io
import json
import pathlib
import pickle
import shutil
import sys
import tarfile
import zipfile
import zlib

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.compat.conftest import flowers_archive, idx_bytes, learnable_images  # noqa: E402

POSITIVE = "good great wonderful excellent amazing loved best brilliant superb enjoyable".split()
NEGATIVE = "bad awful terrible boring worst hated poor dull waste horrible".split()
NEUTRAL = ("the a movie film story actor plot scene music it was and of this with that "
           "director camera time people character").split()


def _rng(dataset: str) -> np.random.Generator:
    """A generator per data set, so each one stays the same when others change."""
    return np.random.default_rng(zlib.crc32(dataset.encode()))


def _image_sets(rng, shape, train, test):
    prototypes = rng.integers(0, 256, (10, *shape))
    return learnable_images(rng, prototypes, train), learnable_images(rng, prototypes, test)


def keras_cache(datasets: pathlib.Path) -> None:
    """The files keras.datasets' loaders read from `$KERAS_HOME/datasets`."""
    datasets.mkdir(parents=True, exist_ok=True)
    (x_train, y_train), (x_test, y_test) = _image_sets(_rng("mnist"), (28, 28), 600, 100)
    np.savez(datasets / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test,
             y_test=y_test)
    fashion = datasets / "fashion-mnist"
    fashion.mkdir(exist_ok=True)
    (x_train, y_train), (x_test, y_test) = _image_sets(_rng("fashion"), (28, 28), 600, 100)
    for name, array, labels in [("train-images-idx3-ubyte.gz", x_train, False),
                                ("train-labels-idx1-ubyte.gz", y_train, True),
                                ("t10k-images-idx3-ubyte.gz", x_test, False),
                                ("t10k-labels-idx1-ubyte.gz", y_test, True)]:
        (fashion / name).write_bytes(idx_bytes(array, labels=labels))
    cifar = cifar10_archive(_rng("cifar10"))
    (datasets / "cifar-10-batches-py-target_archive").write_bytes(cifar)
    imdb_files(datasets, _rng("imdb"))


def vgg19_weights(path: pathlib.Path) -> None:
    """A stand-in for Keras's `vgg19_weights_tf_dim_ordering_tf_kernels.h5` (what
    `keras.applications.VGG19()` loads from `$KERAS_HOME/models`), in the same legacy HDF5
    layout: `layer_names`, each layer's `weight_names` and its arrays. The real file holds
    548 MB of ImageNet weights; here every array is one repeated value (a kernel averages its
    inputs, biases are zero), which HDF5 stores as a fill value, so the file is a few KB."""
    import h5py

    layers = [("input_1", [])]
    channels = 3
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), (2, 2, 4, 4, 4)),
                                             start=1):
        for conv in range(1, convs + 1):
            layers.append((f"block{block}_conv{conv}", [((3, 3, channels, filters), filters)]))
            channels = filters
        layers.append((f"block{block}_pool", []))
    layers.append(("flatten", []))
    for name, fan_in, units in (("fc1", 7 * 7 * 512, 4096), ("fc2", 4096, 4096),
                                ("predictions", 4096, 1000)):
        layers.append((name, [((fan_in, units), units)]))
    with h5py.File(path, "w") as handle:
        handle.attrs["layer_names"] = [name.encode() for name, _ in layers]
        handle.attrs["backend"] = b"tensorflow"
        handle.attrs["keras_version"] = b"2.2.4"
        for name, weights in layers:
            group = handle.create_group(name)
            names = [f"{name}/kernel:0", f"{name}/bias:0"] if weights else []
            group.attrs["weight_names"] = [n.encode() for n in names]
            for kernel_shape, units in weights:
                fan_in = int(np.prod(kernel_shape[:-1]))
                group.create_dataset(names[0], shape=kernel_shape, dtype="float32",
                                     fillvalue=1.0 / fan_in)
                group.create_dataset(names[1], shape=(units,), dtype="float32", fillvalue=0.0)


def cifar10_archive(rng: np.random.Generator) -> bytes:
    """cifar-10-python.tar.gz's layout (a plain tar here: Keras and deepfit open either): five
    data batches and a test batch of pickled dicts, rows of 3072 bytes (channels first).
    Keras's loader insists on 10000 images per batch; each is one of 40 images (a class
    prototype plus one of four noise patterns), which keeps generating it quick."""
    prototypes = rng.integers(0, 256, (10, 3, 32, 32))
    patterns = rng.normal(0, 40, (4, 3, 32, 32))
    variants = np.clip(prototypes[:, None] + patterns[None], 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
        for name in names:
            labels = rng.integers(0, 10, 10000)
            images = variants[labels, rng.integers(0, 4, 10000)]
            batch = {b"batch_label": name.encode(), b"labels": labels.tolist(),
                     b"data": images.reshape(10000, 3072),
                     b"filenames": [f"{name}_{i}.png".encode() for i in range(10000)]}
            _add(tar, f"cifar-10-batches-py/{name}", pickle.dumps(batch, protocol=4))
        _add(tar, "cifar-10-batches-py/batches.meta", pickle.dumps(
            {b"label_names": [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog",
                              b"frog", b"horse", b"ship", b"truck"]}, protocol=4))
    return buffer.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


FILLER = [f"{a}{b}" for a in ("mov", "sce", "act", "plo", "dia", "cam")
          for b in ("ie", "ne", "or", "ot", "log", "era", "ing", "ed", "er", "al", "ly", "ous",
                    "ive", "ist", "ism", "ure", "ity", "ment", "ness", "ful", "less", "able",
                    "ible", "ward", "wise", "like", "some", "ship", "hood", "dom", "ette",
                    "ling", "let", "kin", "ock", "ish", "esque", "ster", "eer", "ant", "ent")]
FILLER = [f"{word}{i}" for word in FILLER for i in "abcdefgh"]  # about 2000 words


def _review(rng: np.random.Generator, positive: bool) -> list[str]:
    """Neutral words and filler (a vocabulary of about 2000 words, as the text tutorial looks
    up entries 313 and 1287), with two to four sentiment words."""
    words = list(rng.choice(NEUTRAL + FILLER[:1600], rng.integers(40, 80)))
    sentiment = POSITIVE if positive else NEGATIVE
    for _ in range(rng.integers(2, 5)):
        words.insert(int(rng.integers(0, len(words))), str(rng.choice(sentiment)))
    return words


def imdb_files(datasets: pathlib.Path, rng: np.random.Generator) -> None:
    """imdb.npz (object arrays of word-index lists, index 1 = start, words from 4) and
    imdb_word_index.json, as Keras's loader reads them."""
    vocabulary = NEUTRAL + FILLER[:1600] + POSITIVE + NEGATIVE
    index = {word: i + 1 for i, word in enumerate(vocabulary)}
    (datasets / "imdb_word_index.json").write_text(json.dumps(index))
    arrays = {}
    for split in ("train", "test"):
        labels = np.arange(200) % 2
        rng.shuffle(labels)
        reviews = [[index[w] + 3 for w in _review(rng, bool(label))] for label in labels]
        arrays[f"x_{split}"] = np.array(reviews, dtype=object)
        arrays[f"y_{split}"] = labels.astype(np.int64)
    np.savez(datasets / "imdb.npz", **arrays)


def acl_imdb_archive(rng: np.random.Generator, per_class: int = 100) -> bytes:
    """aclImdb_v1.tar.gz: aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt (and train/unsup),
    including train/pos/1181_9.txt, which a tutorial opens by name."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for split in ("train", "test"):
            for label in ("pos", "neg"):
                for i in range(per_class):
                    number = 1181 if (split, label, i) == ("train", "pos", 0) else 2000 + i
                    rating = 9 if label == "pos" else 2
                    text = " ".join(_review(rng, label == "pos")).capitalize() + ".<br /><br />"
                    _add(tar, f"aclImdb/{split}/{label}/{number}_{rating}.txt", text.encode())
        for i in range(10):
            _add(tar, f"aclImdb/train/unsup/{i}_0.txt", b"unlabelled review")
        _add(tar, "aclImdb/README", b"Stand-in for the Large Movie Review Dataset.")
    return buffer.getvalue()


def auto_mpg(rng: np.random.Generator, rows: int = 200) -> str:
    """auto-mpg.data: space-separated, '?' for missing horsepower, the car name after a tab."""
    lines = []
    for i in range(rows):
        cylinders = int(rng.choice([4, 6, 8]))
        displacement = 40.0 * cylinders + rng.normal(0, 15)
        horsepower = 12.0 * cylinders + rng.normal(0, 8)
        weight = 400.0 * cylinders + rng.normal(0, 150)
        acceleration = 20 - cylinders + rng.normal(0, 1)
        year = int(rng.integers(70, 83))
        origin = int(rng.integers(1, 4))
        mpg = 46 - 0.006 * weight + 0.3 * (year - 70) + 2 * (origin - 1) + rng.normal(0, 1)
        hp = "?" if i % 50 == 7 else f"{horsepower:.1f}"
        lines.append(f"{mpg:.1f}   {cylinders}   {displacement:.1f}      {hp}      "
                     f"{weight:.1f}      {acceleration:.1f}   {year}  {origin}\t\"car {i}\"")
    return "\n".join(lines) + "\n"


def heart_csv(rng: np.random.Generator, rows: int = 300) -> str:
    """heart.csv (Cleveland heart disease): 13 features, `thal` a string, `target` 0/1."""
    header = "age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal,target"
    lines = [header]
    thals = ["fixed", "normal", "reversible"]
    for _ in range(rows):
        target = int(rng.integers(0, 2))
        age = int(rng.normal(54 + 4 * target, 8))
        thal = thals[2] if target and rng.random() < 0.7 else thals[int(rng.integers(0, 2))]
        values = [age, int(rng.integers(0, 2)), int(rng.integers(0, 5)),
                  int(rng.normal(130, 15)), int(rng.normal(245, 40)), int(rng.random() < 0.15),
                  int(rng.integers(0, 3)), int(rng.normal(150 - 20 * target, 15)),
                  int(rng.random() < 0.2 + 0.4 * target),
                  round(float(abs(rng.normal(0.5 + 1.2 * target, 0.8))), 1),
                  int(rng.integers(1, 4)), int(rng.integers(0, 4)), thal, target]
        lines.append(",".join(str(v) for v in values))
    return "\n".join(lines) + "\n"


def ecg_csv(rng: np.random.Generator, rows: int = 300) -> str:
    """ecg.csv: no header, 140 samples per row and a 0/1 label (1 = normal rhythm)."""
    t = np.linspace(0, 2 * np.pi, 140)
    lines = []
    for _ in range(rows):
        normal = rng.random() < 0.6
        wave = np.sin(t) if normal else np.sin(3 * t) * 0.7
        values = wave + rng.normal(0, 0.1, 140)
        lines.append(",".join(f"{v:.6f}" for v in values) + f",{1.0 if normal else 0.0}")
    return "\n".join(lines) + "\n"


def forda_tsv(rng: np.random.Generator, rows: int, length: int = 500) -> str:
    """FordA_TRAIN.tsv / FordA_TEST.tsv: the label (-1 or 1), then `length` samples (500 in
    the real files), tab-separated."""
    t = np.linspace(0, 8 * np.pi * length / 500, length)
    lines = []
    for _ in range(rows):
        label = int(rng.choice([-1, 1]))
        values = np.sin(t * (1.0 if label == 1 else 1.6)) + rng.normal(0, 0.3, length)
        lines.append("\t".join([str(label), *(f"{v:.5f}" for v in values)]))
    return "\n".join(lines) + "\n"


def nab_csv(rng: np.random.Generator, jumps: bool) -> str:
    """NAB's art_daily_*.csv: 4032 five-minute `timestamp,value` rows (14 days), a daily
    pattern; `jumps` adds an anomalous jump on day 11."""
    stamps = np.arange(4032)
    minutes = stamps * 5
    daily = ((minutes // 60) % 24 >= 9) & ((minutes // 60) % 24 < 18)
    values = 20 + 60 * daily + rng.normal(0, 2, 4032)
    if jumps:
        values[3000:3100] += 80
    lines = ["timestamp,value"]
    for i, value in zip(stamps, values):
        day, rest = divmod(int(minutes[i]), 24 * 60)
        lines.append(f"2014-04-{day + 1:02d} {rest // 60:02d}:{rest % 60:02d}:00,{value:.6f}")
    return "\n".join(lines) + "\n"


def creditcard_csv(rng: np.random.Generator, rows: int = 2000) -> str:
    """creditcard.csv: "Time", V1..V28, "Amount", "Class" (about 2 % frauds)."""
    header = ",".join(['"Time"', *(f'"V{i}"' for i in range(1, 29)), '"Amount"', '"Class"'])
    lines = [header]
    for i in range(rows):
        fraud = int(rng.random() < 0.02)
        v = rng.normal(0, 1, 28) + (2.5 * fraud) * (np.arange(28) < 5)
        amount = abs(rng.normal(80, 60))
        lines.append(",".join([str(i), *(f"{x:.6f}" for x in v), f"{amount:.2f}",
                               f'"{fraud}"']))
    return "\n".join(lines) + "\n"


JENA_COLUMNS = ["p (mbar)", "T (degC)", "Tpot (K)", "Tdew (degC)", "rh (%)", "VPmax (mbar)",
                "VPact (mbar)", "VPdef (mbar)", "sh (g/kg)", "H2OC (mmol/mol)",
                "rho (g/m**3)", "wv (m/s)", "max. wv (m/s)", "wd (deg)"]


def jena_zip(rng: np.random.Generator, rows: int = 8000) -> bytes:
    """jena_climate_2009_2016.csv.zip: "Date Time" every 10 minutes and 14 weather columns with
    a daily cycle."""
    minutes = np.arange(rows) * 10
    day = np.sin(2 * np.pi * minutes / (24 * 60))
    temperature = 8 + 6 * day + rng.normal(0, 0.5, rows)
    columns = {
        "p (mbar)": 990 + rng.normal(0, 3, rows), "T (degC)": temperature,
        "Tpot (K)": temperature + 273.15 + 2, "Tdew (degC)": temperature - 4,
        "rh (%)": 80 - 10 * day + rng.normal(0, 2, rows),
        "VPmax (mbar)": 11 + 4 * day, "VPact (mbar)": 8 + 2 * day, "VPdef (mbar)": 3 + 2 * day,
        "sh (g/kg)": 5 + day, "H2OC (mmol/mol)": 8 + 2 * day,
        "rho (g/m**3)": 1230 - 20 * day, "wv (m/s)": np.abs(2 + rng.normal(0, 1, rows)),
        "max. wv (m/s)": np.abs(4 + rng.normal(0, 1.5, rows)),
        "wd (deg)": rng.uniform(0, 360, rows)}
    columns["wv (m/s)"][5] = -9999.0  # the real file's bad reading, which the tutorial clips
    lines = [",".join(['"Date Time"', *(f'"{c}"' for c in JENA_COLUMNS)])]
    for i in range(rows):
        total = int(minutes[i]) + 10
        d, rest = divmod(total, 24 * 60)
        stamp = f"{d % 28 + 1:02d}.{d // 28 + 1:02d}.2009 {rest // 60:02d}:{rest % 60:02d}:00"
        lines.append(",".join([stamp, *(f"{columns[c][i]:.2f}" for c in JENA_COLUMNS)]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("jena_climate_2009_2016.csv", "\n".join(lines) + "\n")
    return buffer.getvalue()


def petfinder_zip(rng: np.random.Generator, rows: int = 400) -> bytes:
    """petfinder-mini.zip: petfinder-mini/petfinder-mini.csv (PetFinder's columns)."""
    header = ("Type,Age,Breed1,Gender,Color1,Color2,MaturitySize,FurLength,Vaccinated,"
              "Sterilized,Health,Fee,Description,PhotoAmt,AdoptionSpeed")
    lines = [header]
    for _ in range(rows):
        adopted = rng.random() < 0.7
        kind = "Dog" if rng.random() < 0.5 else "Cat"
        values = [kind, int(rng.integers(1, 4 if adopted else 60)),
                  str(rng.choice(["Mixed Breed", "Tabby", "Domestic Short Hair"])),
                  str(rng.choice(["Male", "Female"])), str(rng.choice(["Black", "Brown"])),
                  str(rng.choice(["White", "No Color"])), str(rng.choice(["Small", "Medium"])),
                  str(rng.choice(["Short", "Medium"])), str(rng.choice(["Yes", "No"])),
                  str(rng.choice(["Yes", "No"])), "Healthy", int(0 if adopted else 100),
                  "a pet", int(rng.integers(0, 5)), int(rng.integers(0, 4) if adopted else 4)]
        lines.append(",".join(str(v) for v in values))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("petfinder-mini/petfinder-mini.csv", "\n".join(lines) + "\n")
    return buffer.getvalue()


ENGLISH_FRENCH = [
    ("Go.", "Va !"), ("Hi.", "Salut !"), ("Run!", "Cours !"), ("Wow!", "Ça alors !"),
    ("Stop!", "Arrête !"), ("Wait!", "Attends !"), ("I see.", "Je comprends."),
    ("I try.", "J'essaye."), ("I won!", "J'ai gagné !"), ("Help!", "À l'aide !"),
    ("Thanks.", "Merci."), ("Hello!", "Bonjour !"), ("I'm OK.", "Je vais bien."),
    ("Get up.", "Lève-toi."), ("Be calm.", "Sois calme."), ("We won.", "Nous avons gagné."),
    ("Come in.", "Entre."), ("Got it?", "Compris ?"), ("He ran.", "Il a couru."),
    ("I know.", "Je sais."), ("Listen.", "Écoutez !"), ("Really?", "Vraiment ?"),
    ("Try it.", "Essaie-le."), ("Who won?", "Qui a gagné ?"),
]


def fra_eng_zip(rng: np.random.Generator, rows: int = 400) -> bytes:
    """fra-eng.zip (manythings.org's Anki pairs): fra.txt, one `English<TAB>French<TAB>
    attribution` line per pair, short sentences first, as in the real file."""
    lines = []
    for i in range(rows):
        english, french = ENGLISH_FRENCH[int(rng.integers(0, len(ENGLISH_FRENCH)))]
        lines.append(f"{english}\t{french}\tCC-BY 2.0 (France) Attribution: tatoeba.org "
                     f"#{2877272 + i} (CM) & #{1158250 + i} (Wittydev)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("fra.txt", "\n".join(lines) + "\n")
        archive.writestr("_about.txt", "Stand-in for manythings.org's fra-eng pairs.\n")
    return buffer.getvalue()


def movielens_zip(rng: np.random.Generator, users: int = 60, movies: int = 120,
                  rows: int = 2400) -> bytes:
    """ml-latest-small.zip: ml-latest-small/ratings.csv (`userId,movieId,rating,timestamp`,
    ratings 0.5-5 in half steps, sorted by user) and movies.csv (`movieId,title,genres`).
    Ratings come from user and movie factors, so the model has something to learn."""
    user_factor = rng.normal(0, 1, (users, 3))
    movie_factor = rng.normal(0, 1, (movies, 3))
    movie_ids = np.sort(rng.choice(np.arange(1, 5 * movies), movies, replace=False))
    pairs = sorted({(int(u), int(m)) for u, m in zip(rng.integers(0, users, rows),
                                                        rng.integers(0, movies, rows))})
    lines = ["userId,movieId,rating,timestamp"]
    for user, movie in pairs:
        score = 3.0 + user_factor[user] @ movie_factor[movie] * 0.7 + rng.normal(0, 0.3)
        rating = float(np.clip(np.round(score * 2) / 2, 0.5, 5.0))
        lines.append(f"{user + 1},{movie_ids[movie]},{rating},{964982703 + user * 1000 + movie}")
    genres = ["Adventure|Animation", "Comedy|Romance", "Drama", "Action|Thriller", "Horror"]
    titles = ["movieId,title,genres"] + [
        f'{movie_id},"Movie {i}, The ({1950 + i % 70})",{genres[i % len(genres)]}'
        for i, movie_id in enumerate(movie_ids)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ml-latest-small/ratings.csv", "\n".join(lines) + "\n")
        archive.writestr("ml-latest-small/movies.csv", "\n".join(titles) + "\n")
        archive.writestr("ml-latest-small/README.txt", "Stand-in for MovieLens.\n")
    return buffer.getvalue()


def pet_images(folder: pathlib.Path, rng: np.random.Generator, per_class: int = 12) -> None:
    """PetImages/{Cat,Dog}/<n>.jpg as unpacked from kagglecatsanddogs_5340.zip (JFIF JPEGs of
    varied sizes, including Cat/6779.jpg, which the example opens by name), plus one file in
    each folder without a JFIF header, as the real archive has corrupt images the example
    deletes."""
    from PIL import Image

    for k, animal in enumerate(["Cat", "Dog"]):
        (folder / animal).mkdir(parents=True, exist_ok=True)
        numbers = [6779] + [100 + i for i in range(per_class - 1)] if k == 0 else range(per_class)
        for number in numbers:
            height, width = (int(v) for v in rng.integers(40, 70, 2))
            color = np.array([200, 120, 60] if animal == "Cat" else [70, 110, 210], dtype=float)
            pixels = color + rng.normal(0, 30, (height, width, 3))
            image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
            image.save(folder / animal / f"{number}.jpg", format="JPEG")
        (folder / animal / "666.jpg").write_bytes(b"\x00" * 64)


def nietzsche_txt(rng: np.random.Generator, sentences: int = 150) -> str:
    """nietzsche.txt: plain English prose in lines of ~70 characters (here sentences of the
    reviews' words, so the character set is small)."""
    words = []
    for _ in range(sentences):
        sentence = list(rng.choice(NEUTRAL + POSITIVE + NEGATIVE, rng.integers(5, 12)))
        words += [sentence[0].capitalize(), *sentence[1:-1], sentence[-1] + "."]
    lines, line = [], ""
    for word in words:
        if len(line) + len(word) > 70:
            lines.append(line)
            line = ""
        line = f"{line} {word}" if line else word
    return "\n".join(lines + [line]) + "\n"


def sunflower_jpeg(rng: np.random.Generator) -> bytes:
    """A JPEG for the tutorial's "predict on new data" cell."""
    from PIL import Image

    pixels = np.array([240, 200, 40]) + rng.normal(0, 20, (60, 50, 3))
    data = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(data, format="JPEG")
    return data.getvalue()


NEWSGROUPS = ("alt.atheism comp.graphics comp.os.ms-windows.misc comp.sys.ibm.pc.hardware "
              "comp.sys.mac.hardware comp.windows.x misc.forsale rec.autos rec.motorcycles "
              "rec.sport.baseball rec.sport.hockey sci.crypt sci.electronics sci.med sci.space "
              "soc.religion.christian talk.politics.guns talk.politics.mideast "
              "talk.politics.misc talk.religion.misc").split()


def news20_files(rng: np.random.Generator, per_class: int = 12) -> tuple[bytes, str]:
    """news20.tar.gz (20_newsgroup/<group>/<number>: ten header lines, then the post; one of
    them comp.graphics/38987, which the example prints) and glove.6B.100d.txt (a word and 100
    numbers a line) covering most of the posts' words, "the cat sat on the mat" among them.
    Each group's posts use eight words of their own."""
    common = "the cat sat on the mat a of and to in is it that this for with as was".split()
    topics = {group: [f"{group.split('.')[-1]}{k}" for k in range(8)] for group in NEWSGROUPS}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for g, group in enumerate(NEWSGROUPS):
            for j in range(per_class):
                number = "38987" if (group == "comp.graphics" and j == 0) else str(
                    40000 + 100 * g + j)
                head = [f"Newsgroup: {group}", f"document_id: {number}", "From: a@b.c",
                        "Subject: a post", "Organization: none", "Lines: 1", "", "", "", ""]
                words = [str(rng.choice(topics[group] if rng.random() < 0.4 else common))
                         for _ in range(60)]
                post = "\n".join(head) + "\n" + " ".join(words) + "\n"
                _add(tar, f"20_newsgroup/{group}/{number}", post.encode("latin-1"))
    vocabulary = dict.fromkeys(common + [w for g in NEWSGROUPS for w in topics[g]][:-20])
    glove = "".join(word + " " + " ".join(f"{v:.4f}" for v in rng.normal(0, 0.5, 100)) + "\n"
                    for word in vocabulary)
    return buffer.getvalue(), glove


def served_files(served: pathlib.Path) -> None:
    """The files the programs download; the harness serves this folder on 127.0.0.1."""
    served.mkdir(parents=True, exist_ok=True)
    flowers = flowers_archive(_rng("flowers_archive"), per_class=12)
    (served / "flower_photos.tgz").write_bytes(flowers)
    (served / "592px-Red_sunflower.jpg").write_bytes(sunflower_jpeg(_rng("sunflower_jpeg")))
    (served / "aclImdb_v1.tar.gz").write_bytes(acl_imdb_archive(_rng("acl_imdb_archive")))
    with tarfile.open(served / "aclImdb_v1.tar.gz") as tar:  # for a `tar -xf` shell cell
        tar.extractall(served, filter="data")
    (served / "auto-mpg.data").write_text(auto_mpg(_rng("auto_mpg")))
    (served / "heart.csv").write_text(heart_csv(_rng("heart_csv")))
    (served / "ecg.csv").write_text(ecg_csv(_rng("ecg_csv")))
    (served / "FordA_TRAIN.tsv").write_text(forda_tsv(_rng("forda_tsv"), 160))
    (served / "FordA_TEST.tsv").write_text(forda_tsv(_rng("forda_test"), 80))
    # shorter series for the transformer, whose attention costs grow with the length squared
    (served / "FordA_short").mkdir(exist_ok=True)
    (served / "FordA_short" / "FordA_TRAIN.tsv").write_text(
        forda_tsv(_rng("forda_short_train"), 80, length=50))
    (served / "FordA_short" / "FordA_TEST.tsv").write_text(
        forda_tsv(_rng("forda_short_test"), 40, length=50))
    for folder, name, jumps in [("artificialNoAnomaly", "art_daily_small_noise.csv", False),
                                ("artificialWithAnomaly", "art_daily_jumpsup.csv", True)]:
        (served / folder).mkdir(exist_ok=True)
        (served / folder / name).write_text(nab_csv(_rng(name), jumps=jumps))
    (served / "creditcard.csv").write_text(creditcard_csv(_rng("creditcard_csv")))
    (served / "jena_climate_2009_2016.csv.zip").write_bytes(jena_zip(_rng("jena_zip")))
    (served / "petfinder-mini.zip").write_bytes(petfinder_zip(_rng("petfinder_zip")))
    (served / "fra-eng.zip").write_bytes(fra_eng_zip(_rng("fra_eng_zip")))
    (served / "ml-latest-small.zip").write_bytes(movielens_zip(_rng("movielens_zip")))
    pet_images(served / "PetImages", _rng("pet_images"))
    (served / "nietzsche.txt").write_text(nietzsche_txt(_rng("nietzsche_txt")))
    news20, glove = news20_files(_rng("news20"))
    (served / "news20.tar.gz").write_bytes(news20)
    (served / "glove.6B.100d.txt").write_text(glove)


def make_all(out: pathlib.Path) -> pathlib.Path:
    """Write every stand-in under `out`; returns `out`."""
    keras_cache(out / "keras_home" / "datasets")
    (out / "keras_home" / "models").mkdir(parents=True, exist_ok=True)
    vgg19_weights(out / "keras_home" / "models" / "vgg19_weights_tf_dim_ordering_tf_kernels.h5")
    served_files(out / "served")
    shutil.copy(out / "keras_home" / "datasets" / "mnist.npz", out / "served" / "mnist.npz")
    digests = sorted(hashlib.sha256(path.read_bytes()).hexdigest()
                     for path in out.rglob("*") if path.is_file() and path.suffix != ".json"
                     or path.name == "imdb_word_index.json")
    (out / "standin_hashes.json").write_text(json.dumps(digests))
    return out


if __name__ == "__main__":
    make_all(pathlib.Path(sys.argv[1]))
