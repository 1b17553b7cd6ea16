"""Invented names: residences, streets, and people by origin (with the languages and
nationality groups that go with each)."""


def split(names):
    return [name.strip() for name in names.split(",")]


RESIDENCE_STEMS = """Jean Jaurès, Victor Hugo, Louise Michel, Les Tilleuls, Pasteur, Jules Ferry,
Gambetta, Les Acacias, Les Peupliers, Marie Curie, Jean Moulin, Lucie Aubrac, Aimé Césaire,
Simone Veil, Les Glycines, Le Moulin, La Roseraie, Les Lilas, Camille Claudel, Danton, Voltaire,
Paul Éluard, Les Érables, Le Clos Fleuri, La Fontaine, Rosa Parks, Nelson Mandela,
Olympe de Gouges, Gisèle Halimi, Joséphine Baker, Les Chênes, Les Marronniers, Le Parc, La Gare,
Les Platanes, Saint-Exupéry, Colette, George Sand, Berlioz, Rameau, Debussy, Ravel,
Les Hirondelles, Les Mésanges, Le Verger, Les Jardins, Les Vignes, Les Sources, Le Belvédère,
L'Horizon, Les Capucines, Les Cèdres, Condorcet, Les Bruyères, Le Canal, Les Mouettes,
Pablo Neruda, Frida Kahlo, Albert Camus, Les Saules, Jacques Prévert, Arthur Rimbaud,
Paul Verlaine, Molière, Émile Zola, Jules Verne, Marcel Pagnol, Édith Piaf, Germaine Tillion,
Jean Monnet, Mendès France, Boris Vian, Louis Aragon, Elsa Triolet, Marguerite Duras,
Toussaint Louverture, Léopold Senghor, Martin Luther King, Anne Frank, Irène Joliot-Curie,
Les Ormes, Les Pins, Les Roses, Les Violettes, Les Coquelicots, Les Bleuets, Les Tournesols,
Le Bocage, La Clairière, Les Prés, Le Ruisseau, La Colline, Le Port, La Marne, La Loire,
Les Étoiles, Les Camélias, Le Val Fleuri, Les Magnolias, Le Grand Pré"""
STREETS = [
    "rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Gambetta",
    "rue des Lilas", "rue du Général de Gaulle", "allée des Tilleuls", "rue Pasteur",
    "rue de la Paix", "avenue de la Libération", "rue des Écoles", "quai de la Loire",
]  # fmt: skip

# origin: weight, last names, female first names, male first names, languages, nationality
# groups. Last names are drawn with a skew so that the first ones are common (Diallo, Martin).
ORIGINS = {
    "france": (30, """Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy,
        Moreau, Simon, Laurent, Lefèvre, Michel, Garcia, David, Bertrand, Roux, Vincent,
        Fournier, Morel, Girard, André, Mercier, Dupont, Lambert, Bonnet, François, Le Goff,
        Guérin, Rousseau, Blanc, Gauthier, Chevalier, Perrin, Morin, Clément, Hénaff""",
        """Élodie, Nathalie, Isabelle, Sandrine, Céline, Aurélie, Stéphanie, Sophie, Christine,
        Manon, Chloé, Léa, Amandine, Valérie, Hélène, Gaëlle, Maëlle, Noémie, Marie-Hélène""",
        """Jean, Pierre, Michel, Philippe, Alain, Nicolas, Sébastien, Julien, Stéphane,
        Frédéric, Jérôme, Thierry, Kévin, Loïc, Anthony, Grégory, Cédric, Jean-Luc""",
        ["fra"], ["french"]),
    "maghreb": (18, """Benali, Haddad, Bouzid, Belkacem, Benamar, Cherif, Mansouri, Amrani,
        Boukhari, Saïdi, Brahimi, Hamdi, Ouali, Zerrouki, El Idrissi, Benmoussa, Chaouch,
        Aït Ahmed, Meziane, Kaci""",
        """Fatima, Samia, Nadia, Karima, Leïla, Yasmina, Amina, Malika, Soraya, Naïma, Houria""",
        """Mohamed, Karim, Rachid, Mourad, Youssef, Samir, Nabil, Khaled, Hichem, Abdelkader,
        Farid, Mehdi, Saïd""",
        ["ara", "ara", "kab", "tzm", "fra"], ["french", "non_eu", "non_eu"]),
    "west_africa": (16, """Diallo, Traoré, Koné, Camara, Coulibaly, Diarra, Cissé, Sylla, Keïta,
        Touré, Bah, Sow, Barry, Diop, N'Diaye, Fofana, Sissoko, Konaté, Doumbia, Kanté""",
        """Fatoumata, Aminata, Mariam, Kadiatou, Awa, Hawa, Oumou, Djeneba, Aïssatou, Bintou,
        Ramatoulaye""",
        """Mamadou, Moussa, Ibrahima, Oumar, Amadou, Seydou, Boubacar, Abdoulaye, Souleymane,
        Lassana, Cheikh, Alassane""",
        ["snk", "bam", "ful", "wol", "fra"], ["french", "non_eu", "non_eu", "non_eu"]),
    "horn_of_africa": (6, """Tesfaye, Gebremedhin, Haile, Tekle, Mebrahtu, Abdi, Warsame,
        Yusuf, Osman, Hassan""",
        """Selam, Meron, Hiwet, Senait, Luwam, Hodan, Fadumo, Ayaan, Sahra""",
        """Yonas, Dawit, Abel, Filmon, Tesfay, Mehari, Abdirahman, Abdullahi, Liban""",
        ["tir", "tir", "amh", "som"], ["non_eu"]),
    "afghanistan": (8, """Rahimi, Ahmadi, Mohammadi, Hosseini, Karimi, Noori, Sultani, Safi,
        Popal, Stanikzai, Haidari, Azizi, Rezaei, Jafari""",
        """Fatemeh, Zahra, Maryam, Parwana, Shabnam, Farida, Nilofar, Mina""",
        """Ahmad, Mohammad, Ali, Reza, Hamid, Jawad, Mustafa, Nasir, Omid, Sayed, Zabihullah""",
        ["prs", "prs", "pus", "fas"], ["non_eu"]),
    "romania_bulgaria": (4, """Popescu, Ionescu, Popa, Dumitru, Stoica, Georgiev, Dimitrova,
        Țăranu""",
        """Ioana, Elena, Mihaela, Maria, Daria""",
        """Ion, Andrei, Mihai, Constantin, Bogdan, Ștefan""",
        ["ron", "ron", "bul"], ["eu"]),
    "ukraine_balkans": (4, """Kovalenko, Shevchenko, Bondarenko, Tkachenko, Melnyk,
        Kravchenko, Hoxha, Krasniqi, Petrović""",
        """Oksana, Olena, Iryna, Natalia, Yulia""",
        """Oleksandr, Andriy, Dmytro, Serhiy, Arben, Ivan""",
        ["ukr", "ukr", "rus", "sqi", "srp"], ["non_eu"]),
    "vietnam": (4, """Nguyen, Tran, Le, Pham, Hoang, Vo, Dang, Bui""",
        """Thi Lan, Thi Mai, Thi Hoa, Thi Thu""",
        """Van An, Van Minh, Duc Anh, Quang Huy""",
        ["vie"], ["french", "non_eu"]),
    # The dotless i of Turkish on purpose: normalise.fold() turns it into a space.
    "turkey": (5, """Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Öztürk, Aydın, Arslan, Doğan""",  # noqa: RUF001
        """Ayşe, Elif, Zeynep, Fatma, Emine, Hatice""",
        """Mehmet, Mustafa, Ahmet, Hasan, Hüseyin, İbrahim, Murat""",
        ["tur", "tur", "kur"], ["french", "non_eu"]),
    "portugal_brazil": (5, """Silva, Santos, Ferreira, Pereira, Oliveira, Costa, Rodrigues,
        Fernandes, Gonçalves, Lopes""",
        """Ana, Maria, Fernanda, Joana, Conceição""",
        """João, José, António, Carlos, Paulo""",
        ["por"], ["eu", "eu", "non_eu"]),
}  # fmt: skip
